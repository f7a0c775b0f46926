//! Shared by the storage test binaries.

/// Declares each test once per backend: `sqlite::name` and `postgres::name`.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let db = bangfu_store::testing::TestDatabase::sqlite().await;
                    super::$name(&db.store).await;
                    db.cleanup().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(db) = bangfu_store::testing::TestDatabase::postgres().await else {
                        return;
                    };
                    super::$name(&db.store).await;
                    db.cleanup().await;
                }
            )*
        }
    };
}
