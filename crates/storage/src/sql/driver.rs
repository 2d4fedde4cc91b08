//! What every sqlx backend does the same way: binding [`Arg`]s and reading rows.

use futures::FutureExt;
use sqlx::query::Query;
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Row, Type};
use storeroom_domain::store::StoreResult;

use super::{Arg, RowAccess, store_error};

/// Runs `sql` with `args` on `executor` (a pool or a transaction's connection). A plain
/// function returning the driver's boxed future, not an `async fn`: the compiler cannot
/// prove an `async fn` generic over the executor `Send` for every connection lifetime.
pub(crate) fn fetch_all<'c, E>(
    executor: E,
    sql: &'static str,
    args: &[Arg<'_>],
) -> impl Future<Output = StoreResult<Vec<<E::Database as Database>::Row>>> + Send + 'c
where
    E: Executor<'c>,
    for<'t> i64: Encode<'t, E::Database> + Type<E::Database>,
    for<'t> String: Encode<'t, E::Database> + Type<E::Database>,
    for<'t> Option<String>: Encode<'t, E::Database>,
    <E::Database as Database>::Arguments: IntoArguments<E::Database>,
{
    executor
        .fetch_all(query::<E::Database>(sql, args))
        .map(|rows| rows.map_err(store_error))
}

/// `sql` with `args` bound in order.
fn query<DB: Database>(
    sql: &'static str,
    args: &[Arg<'_>],
) -> Query<'static, DB, <DB as Database>::Arguments>
where
    for<'t> i64: Encode<'t, DB> + Type<DB>,
    for<'t> String: Encode<'t, DB> + Type<DB>,
    for<'t> Option<String>: Encode<'t, DB>,
{
    args.iter().fold(sqlx::query(sql), |query, arg| match *arg {
        Arg::Int(value) => query.bind(value),
        Arg::Text(value) => query.bind(value.to_owned()),
        Arg::NullText => query.bind(None::<String>),
    })
}

impl<R: Row> RowAccess for R
where
    usize: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
{
    fn text(&self, column: usize) -> StoreResult<Option<String>> {
        self.try_get(column).map_err(store_error)
    }

    fn int(&self, column: usize) -> StoreResult<Option<i64>> {
        self.try_get(column).map_err(store_error)
    }
}
