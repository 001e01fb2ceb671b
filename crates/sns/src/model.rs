//! SNS's trimmed model (`fixtures/models/sns.json`).

use aws_protocol::model::Model;
use std::sync::OnceLock;

/// The model, parsed once.
pub(crate) fn model() -> &'static Model {
    static M: OnceLock<Model> = OnceLock::new();
    M.get_or_init(|| {
        Model::parse(include_str!("../../../fixtures/models/sns.json"))
            .expect("fixtures/models/sns.json is a valid model (checked by a unit test)")
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn has_all_operations() {
        assert_eq!(super::model().operations().len(), 42);
    }
}
