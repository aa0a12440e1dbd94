//! The exit codes users' scripts and CI pipelines rely on, with the same meaning in every
//! command (a research run of `keyward corpus` counts verdicts instead of failing on them):
//! 0 success (every property holds, the command did its job), 1 a violation (or access added),
//! 2 a usage or input error (the other inputs are still processed), 3 a verdict is unknown (the
//! solver ran out of time or resources — never reported as holding), 4 an internal error
//! (please report). When several apply, the first of 4, 2, 1, 3 wins.

pub const OK: i32 = 0;
pub const VIOLATED: i32 = 1;
pub const INPUT: i32 = 2;
pub const UNKNOWN: i32 = 3;
pub const INTERNAL: i32 = 4;
/// `keyward corpus` stopped by Ctrl-C (128 + SIGINT, the shell's convention): its output is
/// the complete lines of the files that finished, and its summary says how many did.
pub const INTERRUPTED: i32 = 130;

/// What a command found, for its exit code.
#[derive(Debug, Clone, Copy, Default)]
pub struct Outcome {
    pub internal_error: bool,
    pub input_error: bool,
    pub violated: bool,
    pub unknown: bool,
}

impl Outcome {
    pub fn code(self) -> i32 {
        if self.internal_error {
            INTERNAL
        } else if self.input_error {
            INPUT
        } else if self.violated {
            VIOLATED
        } else if self.unknown {
            UNKNOWN
        } else {
            OK
        }
    }
}
