pub mod hunt;
pub mod input;
pub mod parse;
pub mod rules;
pub mod schema;
