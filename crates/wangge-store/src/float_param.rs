//! Optional `f64` parameters whose NULL has the same SQL type as their value.
//!
//! sqlx 0.8's Any driver hands a NULL `Option<f64>` to `PostgreSQL` as a
//! `real` (float4) parameter and a present one as `double precision`
//! (float8): `AnyArguments::convert_to` maps the two NULL float kinds the
//! wrong way round (sqlx issue 4284). `PostgreSQL` prepares a statement once
//! per connection with the parameter types of its first execution, so the
//! same SQL text run first with a NULL and later with a number at that
//! position is refused: "incorrect binary data format in bind parameter N".
//! That broke every chunked upsert (and any repeated statement) whose
//! optional float was empty in the first chunk and present in a later one.
//! [`OptF64`] always binds `double precision`, NULL or not; every optional
//! float the store writes goes through it. `SQLite` does not type
//! parameters, so it sees a plain NULL or REAL either way.
//!
//! The round-trip properties (`tests/tests/store_roundtrip.rs`) write
//! batches with NULLs at random positions over many chunks on both backends,
//! so a change of that mapping in a later sqlx shows up there.

use sqlx::encode::{Encode, IsNull};
use sqlx::error::BoxDynError;
use sqlx::{Any, Database, Type};

/// An optional `f64` bound as `double precision` whether present or NULL.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct OptF64(pub Option<f64>);

impl Type<Any> for OptF64 {
    fn type_info() -> <Any as Database>::TypeInfo {
        <f64 as Type<Any>>::type_info()
    }
}

impl<'q> Encode<'q, Any> for OptF64 {
    fn encode_by_ref(
        &self,
        buf: &mut <Any as Database>::ArgumentBuffer<'q>,
    ) -> Result<IsNull, BoxDynError> {
        match self.0 {
            Some(value) => <f64 as Encode<'q, Any>>::encode_by_ref(&value, buf),
            // The NULL of the Any kind `Real`, which sqlx 0.8 sends as a
            // `double precision` NULL (the swap described above).
            None => <Option<f32> as Encode<'q, Any>>::encode_by_ref(&None, buf),
        }
    }
}

#[cfg(test)]
mod tests {
    use sqlx::any::AnyArguments;
    use sqlx::Arguments;

    use super::*;

    #[test]
    fn missing_values_are_the_null_sqlx_sends_as_double_precision() {
        let mut args = AnyArguments::default();
        args.add(OptF64(Some(1.5))).unwrap();
        args.add(OptF64(None)).unwrap();
        assert_eq!(format!("{:?}", args.values.0), "[Double(1.5), Null(Real)]");
    }
}
