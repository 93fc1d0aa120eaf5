//! Helpers shared by the migrations. A migration must keep creating the same
//! schema forever, so change these only by adding new helpers.

use sea_orm_migration::{prelude::*, schema::*};

/// Width of every enum column: the entity enums store snake_case names as
/// `varchar(32)` (`entity::enums`).
const ENUM_LEN: u32 = 32;

/// A NOT NULL column holding an `entity::enums` value.
pub fn enum_str<T: IntoIden>(col: T) -> ColumnDef {
    string_len(col, ENUM_LEN)
}

/// A nullable column holding an `entity::enums` value.
pub fn enum_str_null<T: IntoIden>(col: T) -> ColumnDef {
    string_len_null(col, ENUM_LEN)
}

/// Lower-case hex of a SHA-256 or HMAC-SHA-256.
pub fn hash_hex<T: IntoIden>(col: T) -> ColumnDef {
    string_len(col, 64)
}

pub fn hash_hex_null<T: IntoIden>(col: T) -> ColumnDef {
    string_len_null(col, 64)
}

/// The primary key of every table with a surrogate key: BIGINT identity on
/// PostgreSQL, `integer PRIMARY KEY AUTOINCREMENT` on SQLite (never reused ids).
pub fn id<T: IntoIden>(col: T) -> ColumnDef {
    big_pk_auto(col)
}

/// A named foreign key `table.col -> ref_table.ref_col`. ON UPDATE is left at
/// NO ACTION: keys never change.
pub fn fk<T, R>(
    name: &str,
    table: T,
    col: T,
    ref_table: R,
    ref_col: R,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement
where
    T: IntoIden,
    R: IntoIden,
{
    ForeignKey::create()
        .name(name)
        .from(table, col)
        .to(ref_table, ref_col)
        .on_delete(on_delete)
        .to_owned()
}

/// A named (non-unique) index.
pub fn index<T: IntoIden + Clone + 'static>(
    name: &str,
    table: T,
    cols: &[T],
) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for col in cols {
        stmt.col(col.clone());
    }
    stmt.to_owned()
}

/// A named unique index. Unique constraints are made this way, never inline,
/// so the name is ours on both backends (the API maps it to a field error).
pub fn unique_index<T: IntoIden + Clone + 'static>(
    name: &str,
    table: T,
    cols: &[T],
) -> IndexCreateStatement {
    index(name, table, cols).unique().to_owned()
}

/// Creates a table and then its indexes.
pub async fn create_table_with_indexes(
    manager: &SchemaManager<'_>,
    table: TableCreateStatement,
    indexes: Vec<IndexCreateStatement>,
) -> Result<(), DbErr> {
    manager.create_table(table).await?;
    for index in indexes {
        manager.create_index(index).await?;
    }
    Ok(())
}

/// Drops tables in the order given (children first); their indexes go with them.
pub async fn drop_tables(manager: &SchemaManager<'_>, tables: Vec<DynIden>) -> Result<(), DbErr> {
    for table in tables {
        manager
            .drop_table(Table::drop().table(table).to_owned())
            .await?;
    }
    Ok(())
}
