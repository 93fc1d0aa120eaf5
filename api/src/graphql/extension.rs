//! Gives every GraphQL error a stable `extensions.code` and reports the
//! computed cost of each operation in `extensions.cost`, so integrators can
//! plan around the limits. Also the document checks async-graphql lacks:
//! a bound on fragment expansion (checked before anything inlines
//! fragments), spec handling of omitted variables, and a cap on the number
//! of errors in one response (docs/errors.md, docs/reliability.md).

use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextPrepareRequest, NextRequest,
    NextValidation,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{
    Request, Response, ServerError, ServerResult, ValidationResult, Value, Variables,
};

/// Most field selections a document may stand for once its fragment spreads
/// are inlined. async-graphql inlines fragments to check the recursion depth
/// and to compute complexity, so a chain of fragments that each spread the
/// next twice costs 2^n steps before any of its limits can answer; this
/// bound is checked first, in time linear in the document.
pub const MAX_EXPANDED_SELECTIONS: u64 = 10_000;

/// Complexity points of each `__schema` and `__type` field. async-graphql
/// counts them as one field, but each answers with (a large part of) the
/// schema: one full introspection fits every caller's limit and bucket,
/// dozens in one document do not.
pub const INTROSPECTION_COST: u64 = 100;

/// Complexity points of each `__typename`, which async-graphql counts as
/// nothing (so a document of 100,000 aliased `__typename`s would pass).
pub const TYPENAME_COST: u64 = 1;

/// Parsed documents by their text. Agencies send the same few documents
/// every time, and parsing one is an eighth of a consented query's CPU
/// (docs/performance.md); the copy kept is the document as parsed, with its
/// fragment-expansion cost, before anything depends on the variables.
mod parsed {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};

    use async_graphql::ServerResult;
    use async_graphql::parser::types::ExecutableDocument;

    use super::{MAX_EXPANDED_SELECTIONS, document};

    /// Documents kept at once; the cache is emptied when full, which keeps
    /// the hot path free of eviction bookkeeping (a deployment's clients
    /// use far fewer distinct documents).
    const MAX_DOCUMENTS: usize = 512;
    /// Longer texts are parsed every time, so that odd or hostile documents
    /// cannot fill memory.
    const MAX_TEXT: usize = 8 * 1024;

    type Cache = Mutex<HashMap<String, (ExecutableDocument, u64)>>;

    fn cache() -> &'static Cache {
        static CACHE: OnceLock<Cache> = OnceLock::new();
        CACHE.get_or_init(|| Mutex::new(HashMap::new()))
    }

    #[cfg(test)]
    pub(super) fn is_kept(text: &str) -> bool {
        cache()
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains_key(text)
    }

    /// The document and its expansion cost, `None` when the text does not
    /// parse (the parse step reports that), or the expansion-limit error.
    pub(super) fn get_or_parse(text: &str) -> ServerResult<Option<(ExecutableDocument, u64)>> {
        if text.len() <= MAX_TEXT
            && let Some(hit) = cache().lock().unwrap_or_else(|p| p.into_inner()).get(text)
        {
            return Ok(Some(hit.clone()));
        }
        let Ok(doc) = async_graphql::parser::parse_query(text) else {
            return Ok(None);
        };
        let extra = document::check_expansion(&doc, MAX_EXPANDED_SELECTIONS)?;
        if text.len() <= MAX_TEXT {
            let mut c = cache().lock().unwrap_or_else(|p| p.into_inner());
            if c.len() >= MAX_DOCUMENTS {
                c.clear();
            }
            c.insert(text.to_string(), (doc.clone(), extra));
        }
        Ok(Some((doc, extra)))
    }
}

/// Most errors listed in one response: a document with thousands of
/// mistakes gets the first ones and a count, not an answer many times
/// larger than the request.
pub const MAX_ERRORS: usize = 20;

use super::error::code;
use crate::auth::{Actor, RequestMeta};
use crate::ratelimit::{Charge, key_for};
use crate::state::AppState;

/// The extension; `max_complexity` is the schema's complexity limit, which
/// the costs async-graphql leaves out are checked against too.
pub struct ErrorCodes {
    pub max_complexity: usize,
}

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodesExtension {
            max_complexity: self.max_complexity,
            ..Default::default()
        })
    }
}

#[derive(Default)]
struct ErrorCodesExtension {
    max_complexity: usize,
    /// Cost async-graphql's complexity does not count, found by the
    /// document checks in `prepare_request`.
    extra_cost: Mutex<u64>,
    cost: Mutex<Option<(usize, usize)>>,
    charge: Mutex<Option<Charge>>,
}

fn has_code(e: &ServerError) -> bool {
    e.extensions
        .as_ref()
        .is_some_and(|x| x.get("code").is_some())
}

fn set_code(e: &mut ServerError, c: &'static str) {
    e.extensions
        .get_or_insert_with(Default::default)
        .set("code", c);
}

#[async_graphql::async_trait::async_trait]
impl Extension for ErrorCodesExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut resp = next.run(ctx).await;
        for e in &mut resp.errors {
            if has_code(e) {
                continue;
            }
            if is_input_error(&e.message) {
                set_code(e, code::BAD_USER_INPUT);
            } else if e.message.starts_with("Unknown operation named")
                || e.message.starts_with("Operation name required")
            {
                // operationName does not pick one operation of the document.
                set_code(e, code::GRAPHQL_VALIDATION_FAILED);
            } else {
                // Anything else without a code came from a resolver that let a
                // raw error through: log it, show nothing of it.
                tracing::error!(error = %e.message, "uncoded GraphQL error");
                e.message =
                    "internal error; the request id in the response headers identifies it".into();
                set_code(e, code::INTERNAL);
            }
        }
        let cost = *self.cost.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((complexity, depth)) = cost {
            let mut obj = async_graphql::indexmap::IndexMap::new();
            obj.insert(
                async_graphql::Name::new("complexity"),
                Value::from(complexity as u64),
            );
            obj.insert(async_graphql::Name::new("depth"), Value::from(depth as u64));
            resp.extensions.insert("cost".into(), Value::Object(obj));
        }
        let charge = *self.charge.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = charge {
            let mut obj = async_graphql::indexmap::IndexMap::new();
            obj.insert(async_graphql::Name::new("cost"), Value::from(c.cost));
            obj.insert(async_graphql::Name::new("limit"), Value::from(c.limit));
            obj.insert(
                async_graphql::Name::new("remaining"),
                Value::from(c.remaining),
            );
            obj.insert(
                async_graphql::Name::new("resetAfter"),
                Value::from(c.reset_after),
            );
            resp.extensions
                .insert("rateLimit".into(), Value::Object(obj));
        }
        resp
    }

    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        // A document that does not parse is left to the parse step, which
        // reports it with its code; one that does is kept, so it is parsed
        // once, and a text seen before is not parsed again.
        if let Some((mut doc, extra)) = parsed::get_or_parse(&request.query)? {
            *self.extra_cost.lock().unwrap_or_else(|p| p.into_inner()) = extra;
            document::drop_omitted_variables(&mut doc, &request.variables);
            request.set_parsed_query(doc);
        }
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        next.run(ctx, query, variables).await.map_err(|mut e| {
            // Nesting past the recursion limit (checked with parsing) is a
            // limit, like the depth limit, not a syntax error.
            let c = if e.message.starts_with("The recursion depth of the query") {
                code::QUERY_TOO_COMPLEX
            } else {
                code::GRAPHQL_PARSE_FAILED
            };
            set_code(&mut e, c);
            e
        })
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        match next.run(ctx).await {
            Ok(mut r) => {
                let extra = *self.extra_cost.lock().unwrap_or_else(|p| p.into_inner());
                r.complexity = r
                    .complexity
                    .saturating_add(usize::try_from(extra).unwrap_or(usize::MAX));
                if r.complexity > self.max_complexity {
                    let mut e = ServerError::new(
                        format!(
                            "Query is too complex: it costs {} points and the limit is {}",
                            r.complexity, self.max_complexity
                        ),
                        None,
                    );
                    set_code(&mut e, code::QUERY_TOO_COMPLEX);
                    return Err(vec![e]);
                }
                *self.cost.lock().unwrap_or_else(|p| p.into_inner()) =
                    Some((r.complexity, r.depth));
                // Charge the caller's bucket with the operation's cost before
                // anything runs; a refused operation costs nothing.
                if let Some(state) = ctx.data_opt::<AppState>() {
                    let actor = ctx.data_opt::<Actor>().unwrap_or(&Actor::Anonymous);
                    let ip = ctx.data_opt::<RequestMeta>().and_then(|m| m.ip.as_deref());
                    let (key, tier) = key_for(actor, ip, &state.config);
                    let charge = state.rate_limiter.charge(
                        &key,
                        tier,
                        r.complexity.max(1) as u64,
                        state.now(),
                    );
                    *self.charge.lock().unwrap_or_else(|p| p.into_inner()) = Some(charge);
                    if !charge.allowed {
                        let mut e = ServerError::new(
                            format!(
                                "rate limit: this operation costs {} points and {} are left; retry after {} s",
                                charge.cost, charge.remaining, charge.retry_after
                            ),
                            None,
                        );
                        let x = e.extensions.get_or_insert_with(Default::default);
                        x.set("code", code::RATE_LIMITED);
                        x.set("retryAfter", charge.retry_after);
                        return Err(vec![e]);
                    }
                }
                Ok(r)
            }
            Err(mut errors) => {
                for e in &mut errors {
                    let c = if e.message.starts_with("Query is too complex")
                        || e.message.starts_with("Query is nested too deep")
                    {
                        code::QUERY_TOO_COMPLEX
                    } else {
                        code::GRAPHQL_VALIDATION_FAILED
                    };
                    set_code(e, c);
                }
                if errors.len() > MAX_ERRORS {
                    let more = errors.len() - MAX_ERRORS;
                    errors.truncate(MAX_ERRORS);
                    let mut e = ServerError::new(
                        format!("{more} more errors like these were not listed"),
                        None,
                    );
                    set_code(&mut e, code::GRAPHQL_VALIDATION_FAILED);
                    errors.push(e);
                }
                Err(errors)
            }
        }
    }
}

/// Errors async-graphql raises while turning argument and variable values
/// into typed input (wrong type, null for a non-null, a validator refusing
/// the value): the caller's input, never a fault of ours.
fn is_input_error(message: &str) -> bool {
    message.starts_with("Failed to parse")
        || message.starts_with("Invalid value")
        || message.starts_with("Expected input type")
        || (message.starts_with("Variable ") && message.ends_with(" is not defined."))
}

/// Checks and rewrites of a parsed document, run before async-graphql's own.
mod document {
    use std::collections::{HashMap, HashSet};

    use async_graphql::parser::types::{
        Directive, ExecutableDocument, OperationDefinition, Selection, SelectionSet,
    };
    use async_graphql::{Name, Positioned, ServerError, Variables};
    use async_graphql_value::Value as InputValue;

    use super::{INTROSPECTION_COST, TYPENAME_COST, code, set_code};

    /// Selection sets nested deeper than this are not counted here:
    /// async-graphql's recursion limit (32) refuses them next.
    const MAX_WALK_DEPTH: usize = 64;

    enum Stop {
        TooLarge,
        Cycle(Name),
    }

    /// Refuses a document that stands for more than `max` field selections
    /// once fragments are inlined, or whose fragments spread themselves.
    /// Each fragment is counted once (memoised), so this is linear in the
    /// document however the fragments multiply.
    ///
    /// Returns the cost async-graphql's complexity leaves out, of the
    /// operations (fragments inlined): it never counts `__typename`, and
    /// counts `__schema`/`__type` as one field each although they answer
    /// with the whole schema.
    pub(super) fn check_expansion(doc: &ExecutableDocument, max: u64) -> Result<u64, ServerError> {
        let mut walk = Walk {
            doc,
            max,
            sizes: HashMap::new(),
            open: HashSet::new(),
        };
        let mut total = Size::default();
        for (_, op) in doc.operations.iter() {
            match walk.set(&op.node.selection_set.node, 0) {
                Ok(n) => total = total.add(n),
                Err(stop) => return Err(refusal(stop, max)),
            }
            if total.selections > max {
                return Err(refusal(Stop::TooLarge, max));
            }
        }
        // Fragments no operation uses are refused by validation; a cycle
        // among them is still reported here, before anything follows it.
        for name in doc.fragments.keys() {
            if let Err(stop) = walk.fragment(name, 0) {
                return Err(refusal(stop, max));
            }
        }
        Ok(total.extra)
    }

    fn refusal(stop: Stop, max: u64) -> ServerError {
        let (message, c) = match stop {
            Stop::TooLarge => (
                format!(
                    "Query is too complex: with its fragments inlined the document selects more than {max} fields"
                ),
                code::QUERY_TOO_COMPLEX,
            ),
            Stop::Cycle(name) => (
                format!("Cannot spread fragment \"{name}\" within itself"),
                code::GRAPHQL_VALIDATION_FAILED,
            ),
        };
        let mut e = ServerError::new(message, None);
        set_code(&mut e, c);
        e
    }

    /// Selections and extra cost (see [`check_expansion`]) of a part of
    /// the document, fragments inlined.
    #[derive(Clone, Copy, Default)]
    struct Size {
        selections: u64,
        extra: u64,
    }

    impl Size {
        fn add(self, o: Size) -> Size {
            Size {
                selections: self.selections.saturating_add(o.selections),
                extra: self.extra.saturating_add(o.extra),
            }
        }
    }

    struct Walk<'a> {
        doc: &'a ExecutableDocument,
        max: u64,
        sizes: HashMap<&'a Name, Size>,
        open: HashSet<&'a Name>,
    }

    impl<'a> Walk<'a> {
        fn set(&mut self, set: &'a SelectionSet, depth: usize) -> Result<Size, Stop> {
            if depth > MAX_WALK_DEPTH {
                return Ok(Size::default());
            }
            let mut n = Size::default();
            for item in &set.items {
                let add = match &item.node {
                    Selection::Field(f) => {
                        let own = Size {
                            selections: 1,
                            extra: match f.node.name.node.as_str() {
                                "__typename" => TYPENAME_COST,
                                "__schema" | "__type" => INTROSPECTION_COST,
                                _ => 0,
                            },
                        };
                        own.add(self.set(&f.node.selection_set.node, depth + 1)?)
                    }
                    Selection::InlineFragment(i) => {
                        self.set(&i.node.selection_set.node, depth + 1)?
                    }
                    Selection::FragmentSpread(s) => {
                        self.fragment(&s.node.fragment_name.node, depth + 1)?
                    }
                };
                n = n.add(add);
                if n.selections > self.max {
                    return Err(Stop::TooLarge);
                }
            }
            Ok(n)
        }

        fn fragment(&mut self, name: &'a Name, depth: usize) -> Result<Size, Stop> {
            if let Some(n) = self.sizes.get(name) {
                return Ok(*n);
            }
            // An unknown fragment is reported by validation.
            let Some(def) = self.doc.fragments.get(name) else {
                return Ok(Size::default());
            };
            if !self.open.insert(name) {
                return Err(Stop::Cycle(name.clone()));
            }
            let n = self.set(&def.node.selection_set.node, depth)?;
            self.open.remove(name);
            self.sizes.insert(name, n);
            Ok(n)
        }
    }

    /// A variable declared nullable, without a default, and left out of the
    /// request's variables stands for no value at all (GraphQL spec,
    /// CoerceArgumentValues): the argument or input field it fills is then
    /// absent and takes its own default. async-graphql passes null instead,
    /// which fails on a non-null argument that has a default
    /// (`first: Int! = 50` given `$first: Int`). So where such a variable is
    /// the whole value of an argument or of an input-object field, that
    /// argument or field is removed, and the variable's definition with
    /// it. Variables used elsewhere (in lists, in directives) are left as
    /// they are; so is any document where an operation does not define it.
    pub(super) fn drop_omitted_variables(doc: &mut ExecutableDocument, supplied: &Variables) {
        let mut candidates: HashSet<Name> = HashSet::new();
        let mut blocked: HashSet<Name> = HashSet::new();
        let ops: Vec<&Positioned<OperationDefinition>> =
            doc.operations.iter().map(|(_, op)| op).collect();
        for op in &ops {
            for def in &op.node.variable_definitions {
                let d = &def.node;
                if !supplied.contains_key(&d.name.node)
                    && d.default_value.is_none()
                    && d.var_type.node.nullable
                {
                    candidates.insert(d.name.node.clone());
                } else {
                    blocked.insert(d.name.node.clone());
                }
            }
        }
        if candidates.is_empty() {
            return;
        }
        for name in &candidates {
            let everywhere = ops.iter().all(|op| {
                op.node
                    .variable_definitions
                    .iter()
                    .any(|d| &d.node.name.node == name)
            });
            if !everywhere {
                blocked.insert(name.clone());
            }
        }
        // Uses that cannot be removed block their variable.
        for (_, op) in doc.operations.iter() {
            block_in_directives(&op.node.directives, &mut blocked);
            block_in_set(&op.node.selection_set.node, &mut blocked, 0);
        }
        for def in doc.fragments.values() {
            block_in_directives(&def.node.directives, &mut blocked);
            block_in_set(&def.node.selection_set.node, &mut blocked, 0);
        }
        let omitted: HashSet<Name> = candidates.difference(&blocked).cloned().collect();
        if omitted.is_empty() {
            return;
        }
        let strip_op = |op: &mut Positioned<OperationDefinition>| {
            op.node
                .variable_definitions
                .retain(|d| !omitted.contains(&d.node.name.node));
            strip_set(&mut op.node.selection_set.node, &omitted, 0);
        };
        match &mut doc.operations {
            async_graphql::parser::types::DocumentOperations::Single(op) => strip_op(op),
            async_graphql::parser::types::DocumentOperations::Multiple(map) => {
                map.values_mut().for_each(strip_op)
            }
        }
        for def in doc.fragments.values_mut() {
            strip_set(&mut def.node.selection_set.node, &omitted, 0);
        }
    }

    fn block_in_directives(directives: &[Positioned<Directive>], blocked: &mut HashSet<Name>) {
        for d in directives {
            for (_, v) in &d.node.arguments {
                block_all(&v.node, blocked);
            }
        }
    }

    fn block_all(v: &InputValue, blocked: &mut HashSet<Name>) {
        match v {
            InputValue::Variable(name) => {
                blocked.insert(name.clone());
            }
            InputValue::List(items) => items.iter().for_each(|i| block_all(i, blocked)),
            InputValue::Object(fields) => fields.values().for_each(|f| block_all(f, blocked)),
            _ => {}
        }
    }

    /// Marks variables in positions that cannot simply be left out: inside
    /// lists (an item cannot be absent) and in directives.
    fn block_in_value(v: &InputValue, blocked: &mut HashSet<Name>) {
        match v {
            InputValue::List(_) => block_all(v, blocked),
            InputValue::Object(fields) => fields.values().for_each(|f| block_in_value(f, blocked)),
            _ => {}
        }
    }

    fn block_in_set(set: &SelectionSet, blocked: &mut HashSet<Name>, depth: usize) {
        if depth > MAX_WALK_DEPTH {
            return;
        }
        for item in &set.items {
            match &item.node {
                Selection::Field(f) => {
                    block_in_directives(&f.node.directives, blocked);
                    for (_, v) in &f.node.arguments {
                        block_in_value(&v.node, blocked);
                    }
                    block_in_set(&f.node.selection_set.node, blocked, depth + 1);
                }
                Selection::InlineFragment(i) => {
                    block_in_directives(&i.node.directives, blocked);
                    block_in_set(&i.node.selection_set.node, blocked, depth + 1);
                }
                Selection::FragmentSpread(s) => block_in_directives(&s.node.directives, blocked),
            }
        }
    }

    fn is_omitted(v: &InputValue, omitted: &HashSet<Name>) -> bool {
        matches!(v, InputValue::Variable(n) if omitted.contains(n))
    }

    fn strip_value(v: &mut InputValue, omitted: &HashSet<Name>) {
        if let InputValue::Object(fields) = v {
            fields.retain(|_, f| !is_omitted(f, omitted));
            fields.values_mut().for_each(|f| strip_value(f, omitted));
        }
    }

    fn strip_set(set: &mut SelectionSet, omitted: &HashSet<Name>, depth: usize) {
        if depth > MAX_WALK_DEPTH {
            return;
        }
        for item in &mut set.items {
            match &mut item.node {
                Selection::Field(f) => {
                    f.node
                        .arguments
                        .retain(|(_, v)| !is_omitted(&v.node, omitted));
                    for (_, v) in &mut f.node.arguments {
                        strip_value(&mut v.node, omitted);
                    }
                    strip_set(&mut f.node.selection_set.node, omitted, depth + 1);
                }
                Selection::InlineFragment(i) => {
                    strip_set(&mut i.node.selection_set.node, omitted, depth + 1)
                }
                Selection::FragmentSpread(_) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::{EmptyMutation, EmptySubscription, InputObject, Object, Request, Schema};
    use serde_json::{Value, json};

    use super::{ErrorCodes, MAX_ERRORS, MAX_EXPANDED_SELECTIONS, parsed};

    #[test]
    fn a_document_is_kept_by_its_text_with_its_cost_and_a_broken_one_is_not() {
        let text = "query Kept($a: Int) { a: hello(n: $a) b: hello(n: 2) }";
        let first = parsed::get_or_parse(text).expect("within limits");
        assert!(parsed::is_kept(text));
        let again = parsed::get_or_parse(text).expect("within limits");
        let (a, b) = (first.expect("parses"), again.expect("parses"));
        assert_eq!(a.1, b.1);
        assert_eq!(format!("{:?}", a.0), format!("{:?}", b.0));
        let broken = "query Broken { hello(";
        assert!(
            parsed::get_or_parse(broken)
                .expect("no limit error")
                .is_none()
        );
        assert!(!parsed::is_kept(broken));
        let long = format!("query Long {{ {} }}", "hello ".repeat(2_000));
        assert!(
            parsed::get_or_parse(&long)
                .expect("within limits")
                .is_some()
        );
        assert!(!parsed::is_kept(&long), "long texts are parsed every time");
    }

    #[derive(InputObject)]
    struct Opts {
        #[graphql(default = false)]
        everywhere: bool,
        note: Option<String>,
    }

    struct Q;

    #[Object]
    impl Q {
        async fn page(&self, #[graphql(default = 50)] first: i32, after: Option<String>) -> String {
            format!("{first}/{}", after.unwrap_or_default())
        }
        async fn flag(&self, input: Opts) -> String {
            format!("{}/{}", input.everywhere, input.note.unwrap_or_default())
        }
        async fn sum(&self, items: Vec<Option<i32>>) -> i32 {
            items.into_iter().flatten().sum()
        }
    }

    async fn run(query: &str, vars: Value) -> Value {
        let schema = Schema::build(Q, EmptyMutation, EmptySubscription)
            .extension(ErrorCodes {
                max_complexity: 1_000_000,
            })
            .limit_complexity(1_000_000)
            .limit_recursive_depth(32)
            .finish();
        let req = Request::new(query).variables(async_graphql::Variables::from_json(vars));
        serde_json::to_value(schema.execute(req).await).unwrap_or_default()
    }

    fn code(v: &Value) -> &str {
        v["errors"][0]["extensions"]["code"].as_str().unwrap_or("")
    }

    #[tokio::test]
    async fn an_omitted_nullable_variable_leaves_the_argument_to_its_default() {
        let q = "query($f: Int, $a: String) { page(first: $f, after: $a) }";
        assert_eq!(run(q, json!({})).await["data"]["page"], "50/");
        assert_eq!(
            run(q, json!({ "f": 3, "a": "x" })).await["data"]["page"],
            "3/x"
        );
        // Inside an input object: the field takes its default.
        let q = "query($e: Boolean, $n: String) { flag(input: { everywhere: $e, note: $n }) }";
        assert_eq!(run(q, json!({})).await["data"]["flag"], "false/");
        assert_eq!(run(q, json!({ "e": true })).await["data"]["flag"], "true/");
        // In a list an omitted variable is null, as before.
        let q = "query($x: Int) { sum(items: [1, $x, 2]) }";
        assert_eq!(run(q, json!({})).await["data"]["sum"], 3);
    }

    #[tokio::test]
    async fn an_explicit_null_for_a_non_null_argument_is_a_validation_error() {
        let v = run("query($f: Int) { page(first: $f) }", json!({ "f": null })).await;
        assert_eq!(code(&v), "GRAPHQL_VALIDATION_FAILED", "{v}");
        let v = run(
            "query($e: Boolean) { flag(input: { everywhere: $e }) }",
            json!({ "e": null }),
        )
        .await;
        assert_eq!(code(&v), "GRAPHQL_VALIDATION_FAILED", "{v}");
        // A wrong type is the caller's input, never INTERNAL.
        let v = run("query($f: Int) { page(first: $f) }", json!({ "f": "many" })).await;
        assert!(
            matches!(code(&v), "BAD_USER_INPUT" | "GRAPHQL_VALIDATION_FAILED"),
            "{v}"
        );
    }

    #[tokio::test]
    async fn an_operation_name_that_picks_nothing_is_a_validation_error() {
        let v = run("query A { page } query B { page }", json!({})).await;
        assert_eq!(code(&v), "GRAPHQL_VALIDATION_FAILED", "{v}");
    }

    #[tokio::test]
    async fn fragments_that_multiply_are_refused_before_they_are_inlined() {
        // F0 spreads F1 twice, F1 spreads F2 twice … : 2^30 selections once
        // inlined, a few hundred bytes written.
        let n = 30;
        let mut doc = String::from("{ ...F0 }");
        for i in 0..n {
            doc.push_str(&format!(
                " fragment F{i} on Q {{ ...F{} ...F{} }}",
                i + 1,
                i + 1
            ));
        }
        doc.push_str(&format!(" fragment F{n} on Q {{ page }}"));
        let v = run(&doc, json!({})).await;
        assert_eq!(code(&v), "QUERY_TOO_COMPLEX", "{v}");
        assert!(v["data"].is_null());
        // Under the bound the same shape is fine.
        let mut doc = String::from("{ ...F0 }");
        for i in 0..4 {
            doc.push_str(&format!(
                " fragment F{i} on Q {{ ...F{} ...F{} }}",
                i + 1,
                i + 1
            ));
        }
        doc.push_str(" fragment F4 on Q { page }");
        let v = run(&doc, json!({})).await;
        assert_eq!(v["data"]["page"], "50/", "{v}");
        assert!(MAX_EXPANDED_SELECTIONS < 1 << n);
    }

    #[tokio::test]
    async fn fragment_cycles_are_a_validation_error() {
        let v = run(
            "{ ...A } fragment A on Q { page ...B ...B } fragment B on Q { ...A }",
            json!({}),
        )
        .await;
        assert_eq!(code(&v), "GRAPHQL_VALIDATION_FAILED", "{v}");
        let v = run("{ page } fragment A on Q { ...A }", json!({})).await;
        assert_eq!(code(&v), "GRAPHQL_VALIDATION_FAILED", "{v}");
    }

    #[tokio::test]
    async fn a_document_full_of_mistakes_lists_only_the_first_errors() {
        let doc: String = (0..5_000).map(|i| format!("f{i}: nope ")).collect();
        let v = run(&format!("{{ {doc} }}"), json!({})).await;
        let errors = v["errors"].as_array().cloned().unwrap_or_default();
        assert_eq!(errors.len(), MAX_ERRORS + 1, "{}", errors.len());
        assert!(
            errors[MAX_ERRORS]["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("4980 more errors")),
            "{}",
            errors[MAX_ERRORS]
        );
    }
}
