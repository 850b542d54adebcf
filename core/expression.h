// expression.h — a tiny, safe expression language for what-if studies.
// Constraints filter result rows ("memory.fits && latency.tpot_s < 0.05") and derived columns
// compute new ones. Text is compiled once into RPN ops; evaluation never allocates, never
// throws and turns undefined arithmetic (x/0, log of <= 0) into NaN, meaning "no value".
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace llmsizer::core {

// Grammar, loosest binding first:
//   ternary     c ? a : b                   (right-associative)
//   or          a || b,  a or b
//   and         a && b,  a and b
//   comparison  < <= > >= == !=             (not chainable: `a < b < c` is an error)
//   additive    + -                         (left-associative)
//   term        * /                         (left-associative)
//   unary       -x, !x, not x
//   primary     number (123, 1.5, 2e9, 0.5e-3), field name ([A-Za-z_][A-Za-z0-9_.]*), true,
//               false, (expr), min(a,b) max(a,b) abs(x) log10(x) ln(x) sqrt(x) ceil(x)
//               floor(x) round(x) clamp(x,lo,hi)
// Values are doubles; booleans are 1.0/0.0 and any non-zero value is true. NaN is "unknown":
// arithmetic, comparisons and functions propagate it, and the logical operators follow
// three-valued logic (`0 && NaN` is 0, `1 || NaN` is 1, otherwise NaN wins); a NaN ternary
// condition gives NaN. Both ternary branches are evaluated (there are no side effects).
class Expression {
 public:
  static constexpr std::size_t kMaxTextLength = 4096;
  static constexpr int kMaxDepth = 64;            // nested (), calls, unary ops, ternaries
  static constexpr std::size_t kMaxNodes = 1024;  // compiled ops

  // Parses `text`; on error returns nullopt and sets *error (when not null) to a message with
  // the 1-based column, e.g. "column 12: expected ')'". `fields` are the names that may be
  // referenced (dotted names like memory.fits are single identifiers); an unknown name is an
  // error with a did-you-mean. Never throws (other than std::bad_alloc).
  static std::optional<Expression> parse(std::string_view text,
                                         const std::vector<std::string>& fields,
                                         std::string* error);

  // Evaluates with field values given by index into `fields` (same order as at parse time).
  // Gives NaN when `values` is shorter than the largest referenced index. Thread-safe, no
  // allocation.
  double evaluate(std::span<const double> values) const;

  // True when the result is a truth value: the top-level operator is a comparison, a logical
  // operator, true/false, or a ternary whose branches are both boolean.
  bool is_boolean() const { return is_boolean_; }
  const std::string& text() const { return text_; }
  // Indices into `fields` that the expression reads, ascending, without duplicates.
  std::vector<std::size_t> referenced_fields() const;

 private:
  class Parser;

  enum class OpCode : std::uint8_t {
    kConst,
    kField,
    kNeg,
    kNot,
    kAdd,
    kSub,
    kMul,
    kDiv,
    kLt,
    kLe,
    kGt,
    kGe,
    kEq,
    kNe,
    kAnd,
    kOr,
    kSelect,  // c a b -> c ? a : b
    kMin,
    kMax,
    kAbs,
    kLog10,
    kLn,
    kSqrt,
    kCeil,
    kFloor,
    kRound,
    kClamp,  // x lo hi
  };

  struct Op {
    OpCode code = OpCode::kConst;
    std::uint32_t field = 0;  // kField
    double value = 0.0;       // kConst
  };

  Expression() = default;

  std::string text_;
  std::vector<Op> ops_;
  std::size_t min_values_ = 0;  // evaluate() needs values.size() >= this
  bool is_boolean_ = false;
};

}  // namespace llmsizer::core
