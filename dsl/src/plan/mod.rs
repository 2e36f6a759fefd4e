//! The typed plan a case compiles to: what the runner executes. Everything here is checked:
//! names resolved, values in range, flows known. Values that are only known while running
//! (variables bound by earlier expects, flow ports, ISNs) stay symbolic as [`Expr`].

mod addr;
mod capability;
mod case;
mod field;
mod flow;
mod option;
mod packet;
mod step;
mod tcp_flags;
mod value;

pub use addr::{Addr, Endpoint, Host};
pub use capability::Capability;
pub use case::{Case, Location};
pub use field::{ECN_WORDS, Field, FieldKind};
pub use flow::{Flow, FlowAttr, FlowId};
pub use option::{Cookie, TCP_OPTION_NAMES, TcpOptionSpec, option_kind, option_kind_named, option_name};
pub use packet::{Family, FragmentSpec, PacketSpec, PayloadSpec, Proto};
pub use step::{Action, Side, Step, StepSeverity};
pub use tcp_flags::{TCP_FLAGS, flags_text, tcp_flag};
pub use value::{Expr, FieldTest, Op, Value};
