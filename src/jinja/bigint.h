// Arbitrary-precision integers for the template engine: the Python ints outside int64 (Python's
// are unbounded). Values use them only when a result leaves the int64 range; sizes are capped.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace gitops::jinja {

class BigInt {
 public:
  // Largest magnitude, in bits, of a result: every number below 2**14284 has at most 4300
  // decimal digits, Python's default limit for int <-> str conversion (so whatever we compute
  // Python could print). Larger results are kResourceExhausted.
  static constexpr size_t kMaxBits = 14284;

  BigInt() = default;  // zero
  explicit BigInt(int64_t v);

  // Parses an optional '-' and digits of `base` (2..36, letters either case; no prefix, no
  // underscores). kInvalidArgument for an empty or bad digit, kResourceExhausted past kMaxBits.
  static Result<BigInt> FromDigits(std::string_view s, int base = 10);
  // The exact value of a finite double with no fractional part.
  static BigInt FromIntegralDouble(double f);

  bool IsNegative() const { return negative_; }
  bool IsZero() const { return mag_.empty(); }
  bool IsOdd() const { return !mag_.empty() && (mag_[0] & 1); }
  size_t BitLength() const;  // of the magnitude; 0 for zero
  // The value when it fits int64.
  std::optional<int64_t> ToInt64() const;
  // The nearest double (ties to even), as Python's float(int); nullopt when it is too large
  // ("int too large to convert to float").
  std::optional<double> ToDouble() const;
  // Decimal digits, '-' first when negative (Python's str(int)).
  std::string ToString() const;
  void AppendTo(std::string& out) const;
  // The magnitude's digits in `base` (2..16), without sign or prefix.
  std::string MagnitudeDigits(int base, bool upper = false) const;

  // Three-way comparisons: <0, 0, >0. CompareDouble is exact (Python compares int and float
  // by value); `f` must not be NaN.
  int Compare(const BigInt& other) const;
  int CompareDouble(double f) const;

  BigInt Negated() const;
  // Python's + - * on ints; kResourceExhausted when the result exceeds kMaxBits.
  static Result<BigInt> Add(const BigInt& a, const BigInt& b);
  static Result<BigInt> Sub(const BigInt& a, const BigInt& b);
  static Result<BigInt> Mul(const BigInt& a, const BigInt& b);
  // Python's a // b and a % b (floor division: the remainder has b's sign); b != 0.
  static std::pair<BigInt, BigInt> DivMod(const BigInt& a, const BigInt& b);
  // a ** e for e >= 0; kResourceExhausted when the result exceeds kMaxBits.
  static Result<BigInt> Pow(const BigInt& a, uint64_t e);
  // Python's a / b on ints, correctly rounded; b != 0. nullopt when the quotient is too large
  // for a float ("integer division result too large for a float").
  static std::optional<double> TrueDiv(const BigInt& a, const BigInt& b);

 private:
  using Mag = std::vector<uint32_t>;  // little-endian base 2**32, no leading zero limbs

  static int CompareMag(const Mag& a, const Mag& b);
  static Mag AddMag(const Mag& a, const Mag& b);
  static Mag SubMag(const Mag& a, const Mag& b);  // |a| >= |b|
  static Mag MulMag(const Mag& a, const Mag& b);
  static void DivModMag(const Mag& a, const Mag& b, Mag& q, Mag& r);
  static Mag ShiftLeft(const Mag& a, size_t bits);
  static void Trim(Mag& m);
  static size_t BitLengthOf(const Mag& m);
  static BigInt Make(bool negative, Mag mag);
  static Error TooLarge();
  static Result<BigInt> Checked(BigInt v);

  bool negative_ = false;
  Mag mag_;
};

}  // namespace gitops::jinja
