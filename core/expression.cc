// expression.cc — recursive-descent parser that compiles expressions to RPN, and the
// allocation-free stack evaluator. Recursion depth is bounded by Expression::kMaxDepth, so
// hostile text gives an error rather than a stack overflow.
#include "core/expression.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>

#include <fmt/format.h>

#include "core/diagnostics.h"

namespace llmsizer::core {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

enum class Tok {
  kEnd,
  kNumber,
  kName,
  kLParen,
  kRParen,
  kComma,
  kQuestion,
  kColon,
  kPlus,
  kMinus,
  kStar,
  kSlash,
  kLt,
  kLe,
  kGt,
  kGe,
  kEqEq,
  kNe,
  kAndAnd,
  kOrOr,
  kBang,
};

struct Token {
  Tok kind = Tok::kEnd;
  std::size_t pos = 0;
  std::string_view text;
  double number = 0.0;
};

bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_name_char(char c) {
  return is_name_start(c) || is_digit(c) || c == '.';
}
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string describe(const Token& t) {
  switch (t.kind) {
    case Tok::kEnd:
      return "end of expression";
    case Tok::kNumber:
      return fmt::format("number {}", t.text);
    case Tok::kName:
      return fmt::format("name '{}'", t.text);
    default:
      return fmt::format("'{}'", t.text);
  }
}

}  // namespace

class Expression::Parser {
 public:
  Parser(std::string_view text, const std::vector<std::string>& fields)
      : text_(text), fields_(fields) {}

  std::optional<Expression> run(std::string* error) {
    std::optional<Expression> result = compile();
    if (!result && error != nullptr) *error = error_;
    return result;
  }

 private:
  struct Function {
    std::string_view name;
    int arity;
    OpCode code;
  };
  static constexpr std::array<Function, 10> kFunctions = {{
      {"min", 2, OpCode::kMin},
      {"max", 2, OpCode::kMax},
      {"abs", 1, OpCode::kAbs},
      {"log10", 1, OpCode::kLog10},
      {"ln", 1, OpCode::kLn},
      {"sqrt", 1, OpCode::kSqrt},
      {"ceil", 1, OpCode::kCeil},
      {"floor", 1, OpCode::kFloor},
      {"round", 1, OpCode::kRound},
      {"clamp", 3, OpCode::kClamp},
  }};

  std::optional<Expression> compile() {
    if (text_.size() > kMaxTextLength) {
      fail(kMaxTextLength, fmt::format("expression longer than {} characters", kMaxTextLength));
      return std::nullopt;
    }
    if (!advance()) return std::nullopt;
    if (cur_.kind == Tok::kEnd) {
      fail(0, "empty expression");
      return std::nullopt;
    }
    bool is_bool = false;
    if (!ternary(0, is_bool)) return std::nullopt;
    if (cur_.kind != Tok::kEnd) {
      fail(cur_.pos,
           fmt::format("unexpected {}; expected an operator or end of expression", describe(cur_)));
      return std::nullopt;
    }
    Expression e;
    e.text_ = std::string(text_);
    e.ops_ = std::move(ops_);
    e.is_boolean_ = is_bool;
    for (const Op& op : e.ops_) {
      if (op.code == OpCode::kField) {
        e.min_values_ = std::max(e.min_values_, static_cast<std::size_t>(op.field) + 1);
      }
    }
    return e;
  }

  // ---- errors -------------------------------------------------------------------------

  bool fail(std::size_t pos, std::string message) {
    if (error_.empty()) error_ = fmt::format("column {}: {}", pos + 1, message);
    return false;
  }

  bool enter(int depth, std::size_t pos) {
    if (depth > kMaxDepth) {
      return fail(pos, fmt::format("nesting deeper than {} levels", kMaxDepth));
    }
    return true;
  }

  // ---- lexer --------------------------------------------------------------------------

  // Scans the next token into cur_.
  bool advance() {
    std::size_t p = pos_;
    while (p < text_.size() && is_space(text_[p])) ++p;
    Token t;
    t.pos = p;
    if (p >= text_.size()) {
      t.kind = Tok::kEnd;
      cur_ = t;
      pos_ = p;
      return true;
    }
    const char c = text_[p];
    const char next = p + 1 < text_.size() ? text_[p + 1] : '\0';
    std::size_t len = 1;
    if (is_digit(c) || (c == '.' && is_digit(next))) {
      return lex_number(p);
    }
    if (is_name_start(c)) {
      while (p + len < text_.size() && is_name_char(text_[p + len])) ++len;
      t.kind = Tok::kName;
    } else {
      switch (c) {
        case '(':
          t.kind = Tok::kLParen;
          break;
        case ')':
          t.kind = Tok::kRParen;
          break;
        case ',':
          t.kind = Tok::kComma;
          break;
        case '?':
          t.kind = Tok::kQuestion;
          break;
        case ':':
          t.kind = Tok::kColon;
          break;
        case '+':
          t.kind = Tok::kPlus;
          break;
        case '-':
          t.kind = Tok::kMinus;
          break;
        case '*':
          t.kind = Tok::kStar;
          break;
        case '/':
          t.kind = Tok::kSlash;
          break;
        case '<':
          t.kind = next == '=' ? Tok::kLe : Tok::kLt;
          len = next == '=' ? 2 : 1;
          break;
        case '>':
          t.kind = next == '=' ? Tok::kGe : Tok::kGt;
          len = next == '=' ? 2 : 1;
          break;
        case '!':
          t.kind = next == '=' ? Tok::kNe : Tok::kBang;
          len = next == '=' ? 2 : 1;
          break;
        case '=':
          if (next != '=') return fail(p, "unexpected '='; use '==' to compare");
          t.kind = Tok::kEqEq;
          len = 2;
          break;
        case '&':
          if (next != '&') return fail(p, "unexpected '&'; use '&&' (or 'and')");
          t.kind = Tok::kAndAnd;
          len = 2;
          break;
        case '|':
          if (next != '|') return fail(p, "unexpected '|'; use '||' (or 'or')");
          t.kind = Tok::kOrOr;
          len = 2;
          break;
        default: {
          const auto u = static_cast<unsigned char>(c);
          if (u >= 0x20 && u < 0x7f) return fail(p, fmt::format("unexpected character '{}'", c));
          return fail(p, fmt::format("unexpected byte 0x{:02X}", static_cast<unsigned>(u)));
        }
      }
    }
    t.text = text_.substr(p, len);
    cur_ = t;
    pos_ = p + len;
    return true;
  }

  bool lex_number(std::size_t p) {
    std::size_t end = p;
    while (end < text_.size() && (is_digit(text_[end]) || text_[end] == '.')) ++end;
    if (end < text_.size() && (text_[end] == 'e' || text_[end] == 'E')) {
      std::size_t q = end + 1;
      if (q < text_.size() && (text_[q] == '+' || text_[q] == '-')) ++q;
      if (q < text_.size() && is_digit(text_[q])) {
        end = q;
        while (end < text_.size() && is_digit(text_[end])) ++end;
      }
    }
    // Anything glued on ("2GB", "1.5.3", "2e") makes it malformed.
    std::size_t bad_end = end;
    while (bad_end < text_.size() && is_name_char(text_[bad_end])) ++bad_end;
    const std::string_view spelled = text_.substr(p, bad_end - p);
    double value = 0.0;
    const char* first = text_.data() + p;
    const char* last = text_.data() + end;
    const auto [ptr, ec] = std::from_chars(first, last, value, std::chars_format::general);
    if (bad_end != end || ec == std::errc::invalid_argument || ptr != last) {
      return fail(p, fmt::format("malformed number '{}'", spelled));
    }
    if (ec == std::errc::result_out_of_range || !std::isfinite(value)) {
      return fail(p, fmt::format("number '{}' is out of range", spelled));
    }
    cur_ = Token{Tok::kNumber, p, spelled, value};
    pos_ = end;
    return true;
  }

  bool is_keyword(std::string_view word) const {
    return cur_.kind == Tok::kName && cur_.text == word;
  }

  // ---- code generation ----------------------------------------------------------------

  bool emit(std::size_t pos, OpCode code, double value = 0.0, std::uint32_t field = 0) {
    if (ops_.size() >= kMaxNodes) {
      return fail(pos, fmt::format("expression too large (more than {} operations)", kMaxNodes));
    }
    ops_.push_back(Op{code, field, value});
    return true;
  }

  // ---- grammar ------------------------------------------------------------------------

  bool ternary(int depth, bool& is_bool) {
    if (!logical_or(depth, is_bool)) return false;
    if (cur_.kind != Tok::kQuestion) return true;
    const Token question = cur_;
    if (!enter(depth + 1, question.pos) || !advance()) return false;
    bool a_bool = false;
    bool b_bool = false;
    if (!ternary(depth + 1, a_bool)) return false;
    if (cur_.kind != Tok::kColon) {
      return fail(cur_.pos, fmt::format("expected ':' (for '?' at column {}), found {}",
                                        question.pos + 1, describe(cur_)));
    }
    if (!advance() || !ternary(depth + 1, b_bool)) return false;
    is_bool = a_bool && b_bool;
    return emit(question.pos, OpCode::kSelect);
  }

  bool logical_or(int depth, bool& is_bool) {
    if (!logical_and(depth, is_bool)) return false;
    while (cur_.kind == Tok::kOrOr || is_keyword("or")) {
      const std::size_t pos = cur_.pos;
      bool unused = false;
      if (!advance() || !logical_and(depth, unused) || !emit(pos, OpCode::kOr)) return false;
      is_bool = true;
    }
    return true;
  }

  bool logical_and(int depth, bool& is_bool) {
    if (!comparison(depth, is_bool)) return false;
    while (cur_.kind == Tok::kAndAnd || is_keyword("and")) {
      const std::size_t pos = cur_.pos;
      bool unused = false;
      if (!advance() || !comparison(depth, unused) || !emit(pos, OpCode::kAnd)) return false;
      is_bool = true;
    }
    return true;
  }

  static std::optional<OpCode> comparison_op(Tok kind) {
    switch (kind) {
      case Tok::kLt:
        return OpCode::kLt;
      case Tok::kLe:
        return OpCode::kLe;
      case Tok::kGt:
        return OpCode::kGt;
      case Tok::kGe:
        return OpCode::kGe;
      case Tok::kEqEq:
        return OpCode::kEq;
      case Tok::kNe:
        return OpCode::kNe;
      default:
        return std::nullopt;
    }
  }

  bool comparison(int depth, bool& is_bool) {
    if (!additive(depth, is_bool)) return false;
    const std::optional<OpCode> op = comparison_op(cur_.kind);
    if (!op) return true;
    const std::size_t pos = cur_.pos;
    bool unused = false;
    if (!advance() || !additive(depth, unused) || !emit(pos, *op)) return false;
    if (comparison_op(cur_.kind)) {
      return fail(cur_.pos, "comparisons cannot be chained; combine them with '&&'");
    }
    is_bool = true;
    return true;
  }

  bool additive(int depth, bool& is_bool) {
    if (!term(depth, is_bool)) return false;
    while (cur_.kind == Tok::kPlus || cur_.kind == Tok::kMinus) {
      const OpCode code = cur_.kind == Tok::kPlus ? OpCode::kAdd : OpCode::kSub;
      const std::size_t pos = cur_.pos;
      bool unused = false;
      if (!advance() || !term(depth, unused) || !emit(pos, code)) return false;
      is_bool = false;
    }
    return true;
  }

  bool term(int depth, bool& is_bool) {
    if (!unary(depth, is_bool)) return false;
    while (cur_.kind == Tok::kStar || cur_.kind == Tok::kSlash) {
      const OpCode code = cur_.kind == Tok::kStar ? OpCode::kMul : OpCode::kDiv;
      const std::size_t pos = cur_.pos;
      bool unused = false;
      if (!advance() || !unary(depth, unused) || !emit(pos, code)) return false;
      is_bool = false;
    }
    return true;
  }

  bool unary(int depth, bool& is_bool) {
    const bool negate = cur_.kind == Tok::kMinus;
    const bool logical_not = cur_.kind == Tok::kBang || is_keyword("not");
    if (!negate && !logical_not) return primary(depth, is_bool);
    const std::size_t pos = cur_.pos;
    if (!enter(depth + 1, pos) || !advance() || !unary(depth + 1, is_bool)) return false;
    is_bool = logical_not;
    return emit(pos, logical_not ? OpCode::kNot : OpCode::kNeg);
  }

  bool primary(int depth, bool& is_bool) {
    is_bool = false;
    const Token t = cur_;
    switch (t.kind) {
      case Tok::kNumber:
        return advance() && emit(t.pos, OpCode::kConst, t.number);
      case Tok::kLParen: {
        if (!enter(depth + 1, t.pos) || !advance() || !ternary(depth + 1, is_bool)) return false;
        if (cur_.kind != Tok::kRParen) {
          return fail(cur_.pos, fmt::format("expected ')' (to close '(' at column {}), found {}",
                                            t.pos + 1, describe(cur_)));
        }
        return advance();
      }
      case Tok::kName:
        return name(depth, is_bool);
      default:
        return fail(t.pos, fmt::format("expected a value, found {}", describe(t)));
    }
  }

  bool name(int depth, bool& is_bool) {
    const Token t = cur_;
    if (t.text == "true" || t.text == "false") {
      is_bool = true;
      return advance() && emit(t.pos, OpCode::kConst, t.text == "true" ? 1.0 : 0.0);
    }
    if (t.text == "and" || t.text == "or") {
      return fail(t.pos, fmt::format("expected a value, found '{}'", t.text));
    }
    if (!advance()) return false;
    if (cur_.kind == Tok::kLParen) return call(depth, t);
    const auto it = std::find(fields_.begin(), fields_.end(), t.text);
    if (it != fields_.end()) {
      const auto index = static_cast<std::uint32_t>(it - fields_.begin());
      return emit(t.pos, OpCode::kField, 0.0, index);
    }
    for (const Function& f : kFunctions) {
      if (f.name == t.text) {
        return fail(cur_.pos, fmt::format("expected '(' after function '{}'", t.text));
      }
    }
    return fail(t.pos, fmt::format("unknown name '{}'{}", t.text, did_you_mean(t.text, fields_)));
  }

  // cur_ is the '(' after the function name `fn`.
  bool call(int depth, const Token& fn) {
    const Function* function = nullptr;
    for (const Function& f : kFunctions) {
      if (f.name == fn.text) function = &f;
    }
    if (function == nullptr) {
      std::vector<std::string> names;
      for (const Function& f : kFunctions) names.emplace_back(f.name);
      return fail(fn.pos,
                  fmt::format("unknown function '{}'{}", fn.text, did_you_mean(fn.text, names)));
    }
    const std::size_t open = cur_.pos;
    if (!enter(depth + 1, open) || !advance()) return false;
    int count = 0;
    if (cur_.kind != Tok::kRParen) {
      while (true) {
        bool unused = false;
        if (!ternary(depth + 1, unused)) return false;
        ++count;
        if (cur_.kind != Tok::kComma) break;
        if (!advance()) return false;
      }
    }
    if (cur_.kind != Tok::kRParen) {
      return fail(cur_.pos, fmt::format("expected ')' or ',' (to close '(' at column {}), found {}",
                                        open + 1, describe(cur_)));
    }
    if (count != function->arity) {
      return fail(fn.pos, fmt::format("{}() takes {} argument{}, found {}", fn.text,
                                      function->arity, function->arity == 1 ? "" : "s", count));
    }
    return advance() && emit(fn.pos, function->code);
  }

  std::string_view text_;
  const std::vector<std::string>& fields_;
  std::size_t pos_ = 0;  // next byte for the lexer
  Token cur_;
  std::vector<Op> ops_;
  std::string error_;
};

std::optional<Expression> Expression::parse(std::string_view text,
                                            const std::vector<std::string>& fields,
                                            std::string* error) {
  Parser parser(text, fields);
  return parser.run(error);
}

namespace {

// Three-valued truth: 1 true, 0 false, NaN unknown.
inline bool is_true(double v) {
  return !std::isnan(v) && v != 0.0;
}
inline bool is_false(double v) {
  return v == 0.0;
}
inline double from_bool(bool b) {
  return b ? 1.0 : 0.0;
}

inline double compare(double a, double b, bool result) {
  return std::isnan(a) || std::isnan(b) ? kNaN : from_bool(result);
}

}  // namespace

double Expression::evaluate(std::span<const double> values) const {
  if (values.size() < min_values_ || ops_.empty()) return kNaN;
  // Every op pushes at most one value, so the stack never exceeds the op count.
  std::array<double, kMaxNodes> stack;
  std::size_t sp = 0;
  for (const Op& op : ops_) {
    switch (op.code) {
      case OpCode::kConst:
        stack[sp++] = op.value;
        continue;
      case OpCode::kField:
        stack[sp++] = values[op.field];
        continue;
      default:
        break;
    }
    double& x = stack[sp - 1];
    switch (op.code) {
      case OpCode::kNeg:
        x = -x;
        continue;
      case OpCode::kNot:
        x = std::isnan(x) ? kNaN : from_bool(x == 0.0);
        continue;
      case OpCode::kAbs:
        x = std::fabs(x);
        continue;
      case OpCode::kLog10:
        x = x > 0.0 ? std::log10(x) : kNaN;
        continue;
      case OpCode::kLn:
        x = x > 0.0 ? std::log(x) : kNaN;
        continue;
      case OpCode::kSqrt:
        x = x >= 0.0 ? std::sqrt(x) : kNaN;
        continue;
      case OpCode::kCeil:
        x = std::ceil(x);
        continue;
      case OpCode::kFloor:
        x = std::floor(x);
        continue;
      case OpCode::kRound:
        x = std::round(x);
        continue;
      default:
        break;
    }
    if (op.code == OpCode::kSelect || op.code == OpCode::kClamp) {
      const double c = stack[sp - 3];
      const double a = stack[sp - 2];
      const double b = stack[sp - 1];
      sp -= 2;
      double& r = stack[sp - 1];
      if (op.code == OpCode::kSelect) {
        r = std::isnan(c) ? kNaN : (c != 0.0 ? a : b);
      } else {  // clamp(x = c, lo = a, hi = b)
        r = std::isnan(c) || std::isnan(a) || std::isnan(b) || a > b ? kNaN : std::clamp(c, a, b);
      }
      continue;
    }
    const double b = stack[--sp];
    double& a = stack[sp - 1];
    switch (op.code) {
      case OpCode::kAdd:
        a = a + b;
        break;
      case OpCode::kSub:
        a = a - b;
        break;
      case OpCode::kMul:
        a = a * b;
        break;
      case OpCode::kDiv:
        a = b != 0.0 ? a / b : kNaN;
        break;
      case OpCode::kLt:
        a = compare(a, b, a < b);
        break;
      case OpCode::kLe:
        a = compare(a, b, a <= b);
        break;
      case OpCode::kGt:
        a = compare(a, b, a > b);
        break;
      case OpCode::kGe:
        a = compare(a, b, a >= b);
        break;
      case OpCode::kEq:
        a = compare(a, b, a == b);
        break;
      case OpCode::kNe:
        a = compare(a, b, a != b);
        break;
      case OpCode::kAnd:
        a = is_false(a) || is_false(b) ? 0.0 : (std::isnan(a) || std::isnan(b) ? kNaN : 1.0);
        break;
      case OpCode::kOr:
        a = is_true(a) || is_true(b) ? 1.0 : (std::isnan(a) || std::isnan(b) ? kNaN : 0.0);
        break;
      case OpCode::kMin:
        a = std::isnan(a) || std::isnan(b) ? kNaN : std::min(a, b);
        break;
      case OpCode::kMax:
        a = std::isnan(a) || std::isnan(b) ? kNaN : std::max(a, b);
        break;
      default:
        return kNaN;  // unreachable: every op code is handled above
    }
  }
  return sp == 1 ? stack[0] : kNaN;
}

std::vector<std::size_t> Expression::referenced_fields() const {
  std::vector<std::size_t> out;
  for (const Op& op : ops_) {
    if (op.code == OpCode::kField) out.push_back(op.field);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace llmsizer::core
