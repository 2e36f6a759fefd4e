//! Packet sentences: the pest grammar, its syntax tree, and the parser that maps positions
//! back into the YAML file.

pub mod ast;
mod hints;
mod parse;

pub use parse::{Offset, SpanMap, grammar_only, parse_flow, parse_step, parse_value};
