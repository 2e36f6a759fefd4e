//! What a TCP send writes that depends on its flow: sequence and acknowledgment numbers relative
//! to the flow's ISNs (docs/language.md §4), and its options, SACK edges relative too.

use super::{BuildCx, BuildError};
use crate::codec::TcpFlags;
use crate::codec::tcp_options::TcpOption;
use crate::engine::env::{EvalError, RtVal, parse_hex};
use crate::engine::flow::{Dir, advance, out_dir, sent_dir, seq_end};
use dsl::plan::*;
use rand::Rng;

impl BuildCx<'_> {
    /// Sequence and acknowledgment numbers, relative to the flow's ISNs when the send names a flow.
    pub(super) fn seq_ack(&mut self, p: &PacketSpec, flags: u8, len: usize) -> Result<(u32, u32), BuildError> {
        let seq_w = self.int(p, Field::Seq)?.map(|v| v as u32);
        let ack_w = self.int(p, Field::Ack)?.map(|v| v as u32);
        let Some(id) = p.flow else {
            return Ok((seq_w.unwrap_or(0), ack_w.unwrap_or(0)));
        };
        let side = self.side.index();
        let dir: Dir = sent_dir(self.side);
        let other = 1 - dir;
        let f = &mut self.env.flows[id];
        let acks = flags & TcpFlags::ACK != 0;
        let rel_seq = seq_w.unwrap_or(if flags & TcpFlags::SYN != 0 { 0 } else { f.next_seq[dir] });
        let rel_ack = match ack_w {
            Some(a) => a,
            None if acks => f.seen_high[side][other].unwrap_or(0),
            None => 0,
        };
        advance(&mut f.next_seq[dir], seq_end(rel_seq, len, flags));
        let seq = f.isn[dir].wrapping_add(rel_seq);
        let ack = if acks || ack_w.is_some() {
            f.base(side, other).wrapping_add(rel_ack)
        } else {
            0
        };
        Ok((seq, ack))
    }

    pub(super) fn options(&mut self, p: &PacketSpec) -> Result<Vec<TcpOption>, BuildError> {
        let mut out = Vec::new();
        let family = p.family;
        let int = |me: &mut Self, v: &Value, bits: u32| -> Result<u64, BuildError> {
            Ok(match me.env.eval_value(v, FieldKind::Int(bits), family, me.testbed)? {
                Some(RtVal::Int(n)) => n,
                _ => me.rng.random::<u32>() as u64,
            })
        };
        let side = self.side.index();
        let peer = out_dir(self.side);
        for o in p.options.iter().flatten() {
            out.push(match o {
                TcpOptionSpec::Mss(v) => TcpOption::Mss(int(self, v, 16)? as u16),
                TcpOptionSpec::SackPermitted => TcpOption::SackPermitted,
                TcpOptionSpec::Timestamps { val, ecr } => TcpOption::Timestamps {
                    val: int(self, val, 32)? as u32,
                    ecr: int(self, ecr, 32)? as u32,
                },
                TcpOptionSpec::Nop => TcpOption::Nop,
                TcpOptionSpec::Eol => TcpOption::Eol,
                TcpOptionSpec::WindowScale(v) => TcpOption::WindowScale(int(self, v, 8)? as u8),
                TcpOptionSpec::Sack(blocks) => {
                    let base = p.flow.map_or(0, |id| self.env.flows[id].base(side, peer));
                    let mut b = Vec::new();
                    for (l, r) in blocks {
                        b.push((
                            base.wrapping_add(int(self, l, 32)? as u32),
                            base.wrapping_add(int(self, r, 32)? as u32),
                        ));
                    }
                    TcpOption::Sack(b)
                }
                TcpOptionSpec::FastOpen(c) => TcpOption::FastOpen(self.cookie(c)?),
                TcpOptionSpec::FastOpenExp(c) => TcpOption::FastOpenExp(self.cookie(c)?),
                TcpOptionSpec::Raw { kind, data } => TcpOption::Raw {
                    kind: *kind,
                    data: data.clone().unwrap_or_default(),
                },
            });
        }
        Ok(out)
    }

    fn cookie(&mut self, c: &Cookie) -> Result<Vec<u8>, BuildError> {
        Ok(match c {
            Cookie::Request => vec![],
            Cookie::Bytes(b) => b.clone(),
            Cookie::Any => (0..8).map(|_| self.rng.random()).collect(),
            Cookie::Var(name) => {
                let text = self
                    .env
                    .vars
                    .get(name)
                    .ok_or_else(|| EvalError::Unbound(name.clone()))?;
                parse_hex(text).ok_or_else(|| EvalError::BadText {
                    name: name.clone(),
                    text: text.clone(),
                    what: "hex bytes",
                })?
            }
        })
    }
}
