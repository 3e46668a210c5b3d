pub mod parse;
pub mod schema;
