//! A compact display of `f64` values for error messages.

use std::fmt;

/// Displays an `f64` as written by a person: plainly for moderate magnitudes
/// (`0.25`, `-3`, `1200.5`), in scientific notation for tiny or huge ones (`1e308`, not
/// 309 digits; `5e-324`), and NaN and infinities as `NaN`, `inf`, `-inf`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Compact(pub(crate) f64);

impl fmt::Display for Compact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let x = self.0;
        if x == 0.0 || !x.is_finite() || (1e-4..1e7).contains(&x.abs()) {
            write!(f, "{x}")
        } else {
            write!(f, "{x:e}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Compact;

    #[test]
    fn moderate_values_plain_extreme_values_scientific() {
        assert_eq!(Compact(0.25).to_string(), "0.25");
        assert_eq!(Compact(-3.0).to_string(), "-3");
        assert_eq!(Compact(1e308).to_string(), "1e308");
        assert_eq!(Compact(5e-324).to_string(), "5e-324");
        assert_eq!(Compact(f64::NAN).to_string(), "NaN");
        assert_eq!(Compact(f64::NEG_INFINITY).to_string(), "-inf");
        // Zero is plain (not `0e0`), and the plain range is [1e-4, 1e7).
        assert_eq!(Compact(0.0).to_string(), "0");
        assert_eq!(Compact(-0.0).to_string(), "-0");
        assert_eq!(Compact(1e-4).to_string(), "0.0001");
        assert_eq!(Compact(9.99e-5).to_string(), "9.99e-5");
        assert_eq!(Compact(1e7).to_string(), "1e7");
        assert_eq!(Compact(-9_999_999.5).to_string(), "-9999999.5");
    }
}
