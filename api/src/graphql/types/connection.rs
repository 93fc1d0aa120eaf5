//! Relay connections over the services' keyset pages: cursor decoding,
//! building the connection, and the cost of a page for the complexity limit.

use async_graphql::OutputType;
use async_graphql::connection::{Connection, Edge, EmptyFields};

use crate::graphql::error::ApiResult;
use crate::graphql::node::{decode_cursor, encode_cursor};
use crate::service::ServiceError;
use crate::service::views::{Page, PageRequest};

/// A connection of `N` with opaque string cursors (the same type every
/// connection of the schema uses, so one GraphQL type per node type).
pub type IdConnection<N> = Connection<String, N, EmptyFields, EmptyFields>;

/// The paging arguments as they arrive; cursors are checked here.
pub fn page_request(
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> ApiResult<PageRequest> {
    let cursor = |c: Option<String>, field: &'static str| -> ApiResult<Option<i64>> {
        match c {
            None => Ok(None),
            Some(c) => decode_cursor(&c).map(Some).ok_or_else(|| {
                ServiceError::invalid(
                    &[field],
                    "CURSOR_INVALID",
                    "not a cursor from this connection; use `pageInfo.endCursor` or `startCursor`",
                )
                .into()
            }),
        }
    };
    Ok(PageRequest {
        first,
        after: cursor(after, "after")?,
        last,
        before: cursor(before, "before")?,
    })
}

/// Wraps a service page into a connection; `id` gives each item's cursor.
pub fn connection<T, N: OutputType>(
    page: Page<T>,
    id: impl Fn(&T) -> i64,
    node: impl Fn(T) -> N,
) -> IdConnection<N> {
    let mut c = Connection::new(page.has_previous, page.has_next);
    c.edges.extend(
        page.items
            .into_iter()
            .map(|item| Edge::new(encode_cursor(id(&item)), node(item))),
    );
    c
}

/// Cost of a page for the complexity limit: the selection once per five
/// items asked for, so a full page of records is affordable but a page of
/// subjects each with a full page of records is not.
pub fn page_complexity(first: Option<i32>, last: Option<i32>, child: usize) -> usize {
    let n = first.or(last).unwrap_or(0).clamp(0, 100) as usize;
    1 + child * n.div_ceil(5).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_grows_with_the_page() {
        assert_eq!(page_complexity(Some(10), None, 20), 41);
        assert_eq!(page_complexity(None, Some(100), 20), 401);
        assert_eq!(page_complexity(Some(1000), None, 20), 401);
        assert_eq!(page_complexity(None, None, 20), 21);
        assert_eq!(page_complexity(Some(0), None, 20), 21);
    }

    #[test]
    fn bad_cursors_are_bad_input() {
        assert!(page_request(Some(1), Some("nope".into()), None, None).is_err());
        let ok = page_request(Some(1), Some(encode_cursor(5)), None, None);
        assert!(matches!(ok, Ok(PageRequest { after: Some(5), .. })));
    }
}
