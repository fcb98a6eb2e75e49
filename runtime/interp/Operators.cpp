// Python's operators, subscripts, iteration and formatting on interpreter values.
#include <fmt/format.h>

#include <cmath>

#include "runtime/Errors.h"
#include "runtime/TensorOps.h"
#include "runtime/interp/Interpreter.h"

namespace hel::interp {
namespace {

std::optional<BinaryOp> tensorBinaryOp(ast::BinOpKind op) {
  switch (op) {
    case ast::BinOpKind::Add: return BinaryOp::Add;
    case ast::BinOpKind::Sub: return BinaryOp::Sub;
    case ast::BinOpKind::Mul: return BinaryOp::Mul;
    case ast::BinOpKind::Div: return BinaryOp::Div;
    case ast::BinOpKind::FloorDiv: return BinaryOp::FloorDiv;
    case ast::BinOpKind::Mod: return BinaryOp::Mod;
    case ast::BinOpKind::Pow: return BinaryOp::Pow;
    case ast::BinOpKind::LShift: return BinaryOp::LShift;
    case ast::BinOpKind::RShift: return BinaryOp::RShift;
    case ast::BinOpKind::BitOr: return BinaryOp::BitwiseOr;
    case ast::BinOpKind::BitXor: return BinaryOp::BitwiseXor;
    case ast::BinOpKind::BitAnd: return BinaryOp::BitwiseAnd;
    case ast::BinOpKind::MatMul: return std::nullopt;
  }
  return std::nullopt;
}

BinaryOp tensorCompareOp(ast::CmpOpKind op) {
  switch (op) {
    case ast::CmpOpKind::Eq: return BinaryOp::Eq;
    case ast::CmpOpKind::NotEq: return BinaryOp::Ne;
    case ast::CmpOpKind::Lt: return BinaryOp::Lt;
    case ast::CmpOpKind::LtE: return BinaryOp::Le;
    case ast::CmpOpKind::Gt: return BinaryOp::Gt;
    default: return BinaryOp::Ge;
  }
}

int64_t floorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

int64_t pythonMod(int64_t a, int64_t b) {
  int64_t r = a % b;
  return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}

std::vector<Value> itemsOf(const Value& value) {
  if (auto* tuple = value.as<TupleObject>()) return tuple->items;
  return value.as<ListObject>()->items;
}

// Normalizes a Python index into [0, size); nullopt when out of range.
std::optional<int64_t> wrapIndex(int64_t index, int64_t size) {
  if (index < 0) index += size;
  if (index < 0 || index >= size) return std::nullopt;
  return index;
}

}  // namespace

Value Interpreter::binaryOp(ast::BinOpKind op, const Value& left, const Value& right, SourceRange range) {
  if (left.isTensor() || right.isTensor()) {
    if ((!left.isTensor() && !left.isNumber()) || (!right.isTensor() && !right.isNumber()))
      throwError(kExitRuntimeError, range,
                 fmt::format("unsupported operand type(s) for {}: '{}' and '{}'", ast::spelling(op),
                             typeName(left), typeName(right)));
    return guarded(range, [&]() -> Value {
      if (op == ast::BinOpKind::MatMul) {
        if (!left.isTensor() || !right.isTensor()) fail("matmul needs two tensors");
        return matmul(left.asTensor(), right.asTensor());
      }
      auto operand = [](const Value& v) { return v.isTensor() ? Operand(v.asTensor()) : Operand(v.toScalar()); };
      return binary(*tensorBinaryOp(op), operand(left), operand(right));
    });
  }
  if (left.isNumber() && right.isNumber()) {
    bool bothInt = !left.isFloat() && !right.isFloat();
    if (bothInt) {
      int64_t a = left.toScalar().toInt(), b = right.toScalar().toInt();
      auto zeroCheck = [&](const char* what) {
        if (b == 0) throwError(kExitRuntimeError, range, what);
      };
      switch (op) {
        case ast::BinOpKind::Add: return a + b;
        case ast::BinOpKind::Sub: return a - b;
        case ast::BinOpKind::Mul: return a * b;
        case ast::BinOpKind::Div: zeroCheck("ZeroDivisionError: division by zero"); return static_cast<double>(a) / b;
        case ast::BinOpKind::FloorDiv: zeroCheck("ZeroDivisionError: integer division or modulo by zero"); return floorDiv(a, b);
        case ast::BinOpKind::Mod: zeroCheck("ZeroDivisionError: integer modulo by zero"); return pythonMod(a, b);
        case ast::BinOpKind::Pow: {
          if (b < 0) return std::pow(static_cast<double>(a), static_cast<double>(b));
          int64_t result = 1;
          for (int64_t i = 0; i < b; ++i) result *= a;
          return result;
        }
        case ast::BinOpKind::LShift: return a << b;
        case ast::BinOpKind::RShift: return a >> b;
        case ast::BinOpKind::BitOr: return (left.isBool() && right.isBool()) ? Value(bool(a | b)) : Value(a | b);
        case ast::BinOpKind::BitXor: return (left.isBool() && right.isBool()) ? Value(bool(a ^ b)) : Value(a ^ b);
        case ast::BinOpKind::BitAnd: return (left.isBool() && right.isBool()) ? Value(bool(a & b)) : Value(a & b);
        case ast::BinOpKind::MatMul: break;
      }
    } else {
      double a = left.toScalar().toDouble(), b = right.toScalar().toDouble();
      switch (op) {
        case ast::BinOpKind::Add: return a + b;
        case ast::BinOpKind::Sub: return a - b;
        case ast::BinOpKind::Mul: return a * b;
        case ast::BinOpKind::Div:
          if (b == 0) throwError(kExitRuntimeError, range, "ZeroDivisionError: float division by zero");
          return a / b;
        case ast::BinOpKind::FloorDiv:
          if (b == 0) throwError(kExitRuntimeError, range, "ZeroDivisionError: float floor division by zero");
          return std::floor(a / b);
        case ast::BinOpKind::Mod: {
          if (b == 0) throwError(kExitRuntimeError, range, "ZeroDivisionError: float modulo");
          double r = std::fmod(a, b);
          return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
        }
        case ast::BinOpKind::Pow: return std::pow(a, b);
        default: break;
      }
    }
  }
  if (left.isStr() && right.isStr() && op == ast::BinOpKind::Add) return left.asStr() + right.asStr();
  if (left.isStr() && right.isInt() && op == ast::BinOpKind::Mul) {
    std::string out;
    for (int64_t i = 0; i < right.asInt(); ++i) out += left.asStr();
    return out;
  }
  bool leftSeq = left.is<TupleObject>() || left.is<ListObject>();
  if (leftSeq && op == ast::BinOpKind::Add && typeName(left) == typeName(right)) {
    std::vector<Value> items = itemsOf(left);
    for (const Value& item : itemsOf(right)) items.push_back(item);
    if (left.is<TupleObject>()) return std::make_shared<TupleObject>(std::move(items));
    return std::make_shared<ListObject>(std::move(items));
  }
  if (leftSeq && op == ast::BinOpKind::Mul && right.isInt()) {
    std::vector<Value> items;
    for (int64_t i = 0; i < right.asInt(); ++i)
      for (const Value& item : itemsOf(left)) items.push_back(item);
    if (left.is<TupleObject>()) return std::make_shared<TupleObject>(std::move(items));
    return std::make_shared<ListObject>(std::move(items));
  }
  throwError(kExitRuntimeError, range,
             fmt::format("unsupported operand type(s) for {}: '{}' and '{}'", ast::spelling(op), typeName(left),
                         typeName(right)));
}

Value Interpreter::unaryOp(ast::UnaryOpKind op, const Value& operand, SourceRange range) {
  if (op == ast::UnaryOpKind::Not) {
    if (operand.isTensor())
      return guarded(range, [&]() -> Value { return unary(UnaryOp::LogicalNot, operand.asTensor()); });
    return !truthy(operand, range);
  }
  if (operand.isTensor()) {
    return guarded(range, [&]() -> Value {
      switch (op) {
        case ast::UnaryOpKind::Neg: return unary(UnaryOp::Neg, operand.asTensor());
        case ast::UnaryOpKind::Invert: return unary(UnaryOp::BitwiseNot, operand.asTensor());
        default: return operand;
      }
    });
  }
  if (operand.isFloat()) {
    if (op == ast::UnaryOpKind::Neg) return -operand.asFloat();
    if (op == ast::UnaryOpKind::Pos) return operand;
  } else if (operand.isInt() || operand.isBool()) {
    int64_t value = operand.toScalar().toInt();
    if (op == ast::UnaryOpKind::Neg) return -value;
    if (op == ast::UnaryOpKind::Pos) return value;
    if (op == ast::UnaryOpKind::Invert) return ~value;
  }
  throwError(kExitRuntimeError, range,
             fmt::format("bad operand type for unary {}: '{}'", ast::spelling(op), typeName(operand)));
}

bool Interpreter::compareOp(ast::CmpOpKind op, const Value& left, const Value& right, SourceRange range,
                            Value* tensorResult) {
  using ast::CmpOpKind;
  if (op == CmpOpKind::Is || op == CmpOpKind::IsNot) {
    bool same = (left.isNone() && right.isNone()) ||
                (left.isBool() && right.isBool() && left.asBool() == right.asBool()) ||
                (left.isDType() && right.isDType() && left.asDType() == right.asDType()) ||
                (left.isObject() && right.isObject() && left.asObject() == right.asObject());
    return (op == CmpOpKind::Is) == same;
  }
  if (op == CmpOpKind::In || op == CmpOpKind::NotIn) {
    bool found = false;
    if (right.isStr() && left.isStr()) {
      found = right.asStr().find(left.asStr()) != std::string::npos;
    } else if (auto* dict = right.as<DictObject>()) {
      found = dict->find(left) != nullptr;
    } else {
      for (const Value& item : iterate(right, range))
        if (compareOp(CmpOpKind::Eq, item, left, range, nullptr)) found = true;
    }
    return (op == CmpOpKind::In) == found;
  }
  if (left.isTensor() || right.isTensor()) {
    if (!tensorResult) return false;
    *tensorResult = guarded(range, [&]() -> Value {
      auto operand = [](const Value& v) { return v.isTensor() ? Operand(v.asTensor()) : Operand(v.toScalar()); };
      return binary(tensorCompareOp(op), operand(left), operand(right));
    });
    return false;
  }
  if (left.isNumber() && right.isNumber()) {
    double a = left.toScalar().toDouble(), b = right.toScalar().toDouble();
    if (!left.isFloat() && !right.isFloat()) {
      int64_t x = left.toScalar().toInt(), y = right.toScalar().toInt();
      a = 0, b = 0;
      switch (op) {
        case CmpOpKind::Eq: return x == y;
        case CmpOpKind::NotEq: return x != y;
        case CmpOpKind::Lt: return x < y;
        case CmpOpKind::LtE: return x <= y;
        case CmpOpKind::Gt: return x > y;
        case CmpOpKind::GtE: return x >= y;
        default: break;
      }
    }
    switch (op) {
      case CmpOpKind::Eq: return a == b;
      case CmpOpKind::NotEq: return a != b;
      case CmpOpKind::Lt: return a < b;
      case CmpOpKind::LtE: return a <= b;
      case CmpOpKind::Gt: return a > b;
      case CmpOpKind::GtE: return a >= b;
      default: break;
    }
  }
  if (left.isStr() && right.isStr()) {
    int c = left.asStr().compare(right.asStr());
    switch (op) {
      case CmpOpKind::Eq: return c == 0;
      case CmpOpKind::NotEq: return c != 0;
      case CmpOpKind::Lt: return c < 0;
      case CmpOpKind::LtE: return c <= 0;
      case CmpOpKind::Gt: return c > 0;
      case CmpOpKind::GtE: return c >= 0;
      default: break;
    }
  }
  bool leftSeq = left.is<TupleObject>() || left.is<ListObject>();
  bool rightSeq = right.is<TupleObject>() || right.is<ListObject>();
  if (leftSeq && rightSeq && (op == CmpOpKind::Eq || op == CmpOpKind::NotEq)) {
    std::vector<Value> a = itemsOf(left), b = itemsOf(right);
    bool equal = a.size() == b.size();
    for (size_t i = 0; equal && i < a.size(); ++i) equal = compareOp(CmpOpKind::Eq, a[i], b[i], range, nullptr);
    return (op == CmpOpKind::Eq) == equal;
  }
  if (op == CmpOpKind::Eq || op == CmpOpKind::NotEq) {
    bool equal = (left.isNone() && right.isNone()) ||
                 (left.isDType() && right.isDType() && left.asDType() == right.asDType()) ||
                 (left.isDevice() && right.isDevice() && left.asDevice() == right.asDevice()) ||
                 (left.isObject() && right.isObject() && left.asObject() == right.asObject());
    return (op == CmpOpKind::Eq) == equal;
  }
  throwError(kExitRuntimeError, range,
             fmt::format("'{}' not supported between instances of '{}' and '{}'", ast::spelling(op), typeName(left),
                         typeName(right)));
}

namespace {

// A subscript item as a tensor index.
TensorIndex toTensorIndex(const Value& item, SourceRange range) {
  if (item.isInt() || item.isBool()) return TensorIndex(item.toScalar().toInt());
  if (item.isNone()) return TensorIndex::none();
  if (item.isEllipsis()) return TensorIndex::ellipsis();
  if (item.isTensor()) return TensorIndex(item.asTensor());
  if (auto* slice = item.as<SliceObject>()) {
    Slice out;
    auto part = [&](const Value& v) -> std::optional<int64_t> {
      if (v.isNone()) return std::nullopt;
      if (!v.isInt()) throwError(kExitRuntimeError, range, "slice indices must be integers or None");
      return v.asInt();
    };
    out.start = part(slice->start);
    out.stop = part(slice->stop);
    out.step = part(slice->step);
    return TensorIndex(out);
  }
  throwError(kExitRuntimeError, range, fmt::format("'{}' cannot index a tensor", typeName(item)));
}

std::vector<TensorIndex> toTensorIndices(const Value& index, SourceRange range) {
  std::vector<TensorIndex> indices;
  if (auto* tuple = index.as<TupleObject>()) {
    for (const Value& item : tuple->items) indices.push_back(toTensorIndex(item, range));
  } else {
    indices.push_back(toTensorIndex(index, range));
  }
  return indices;
}

}  // namespace

Value Interpreter::subscript(const Value& object, const Value& index, SourceRange range) {
  if (object.isTensor())
    return guarded(range, [&]() -> Value { return object.asTensor().index(toTensorIndices(index, range)); });
  if (object.is<TupleObject>() || object.is<ListObject>() || object.isStr()) {
    bool isStr = object.isStr();
    int64_t size = isStr ? static_cast<int64_t>(object.asStr().size()) : static_cast<int64_t>(itemsOf(object).size());
    if (auto* slice = index.as<SliceObject>()) {
      int64_t step = slice->step.isNone() ? 1 : slice->step.asInt();
      if (step == 0) throwError(kExitRuntimeError, range, "slice step cannot be zero");
      auto clampIndex = [&](const Value& v, int64_t fallback) {
        if (v.isNone()) return fallback;
        int64_t i = v.asInt();
        if (i < 0) i += size;
        return std::clamp<int64_t>(i, step > 0 ? 0 : -1, step > 0 ? size : size - 1);
      };
      int64_t start = clampIndex(slice->start, step > 0 ? 0 : size - 1);
      int64_t stop = clampIndex(slice->stop, step > 0 ? size : -1);
      std::vector<Value> items;
      std::string text;
      for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
        if (isStr) text += object.asStr()[i];
        else items.push_back(itemsOf(object)[i]);
      }
      if (isStr) return text;
      if (object.is<TupleObject>()) return std::make_shared<TupleObject>(std::move(items));
      return std::make_shared<ListObject>(std::move(items));
    }
    if (!index.isInt() && !index.isBool())
      throwError(kExitRuntimeError, range,
                 fmt::format("{} indices must be integers or slices, not {}", typeName(object), typeName(index)));
    std::optional<int64_t> at = wrapIndex(index.toScalar().toInt(), size);
    if (!at) throwError(kExitRuntimeError, range, fmt::format("{} index out of range", typeName(object)));
    if (isStr) return std::string(1, object.asStr()[*at]);
    return itemsOf(object)[*at];
  }
  if (auto* dict = object.as<DictObject>()) {
    if (Value* found = dict->find(index)) return *found;
    throwError(kExitRuntimeError, range, "KeyError: " + repr(index));
  }
  // jaxtyping annotations: `Float32[Tensor, "batch seq"]`.
  if (auto* marker = object.as<TypeObject>()) {
    auto annotation = std::make_shared<RecordObject>("jaxtyping");
    annotation->fields["dtype"] = marker->name;
    if (auto* tuple = index.as<TupleObject>(); tuple && tuple->items.size() == 2 && tuple->items[1].isStr())
      annotation->fields["dims"] = tuple->items[1];
    return annotation;
  }
  throwError(kExitRuntimeError, range, fmt::format("'{}' object is not subscriptable", typeName(object)));
}

void Interpreter::setSubscript(const Value& object, const Value& index, const Value& value, SourceRange range) {
  if (object.isTensor()) {
    guarded(range, [&] {
      Tensor target = object.asTensor();
      if (value.isTensor()) target.indexPut(toTensorIndices(index, range), Operand(value.asTensor()));
      else if (value.isNumber()) target.indexPut(toTensorIndices(index, range), Operand(value.toScalar()));
      else fail("can't assign a {} to a tensor", typeName(value));
    });
    return;
  }
  if (auto* list = object.as<ListObject>()) {
    if (!index.isInt()) throwError(kExitRuntimeError, range, "list indices must be integers");
    std::optional<int64_t> at = wrapIndex(index.asInt(), static_cast<int64_t>(list->items.size()));
    if (!at) throwError(kExitRuntimeError, range, "list assignment index out of range");
    list->items[*at] = value;
    return;
  }
  if (auto* dict = object.as<DictObject>()) {
    dict->set(index, value);
    return;
  }
  throwError(kExitRuntimeError, range,
             fmt::format("'{}' object does not support item assignment", typeName(object)));
}

std::vector<Value> Interpreter::iterate(const Value& iterable, SourceRange range) {
  if (auto* tuple = iterable.as<TupleObject>()) return tuple->items;
  if (auto* list = iterable.as<ListObject>()) return list->items;
  if (auto* dict = iterable.as<DictObject>()) {
    std::vector<Value> keys;
    for (auto& entry : dict->entries) keys.push_back(entry.first);
    return keys;
  }
  if (auto* rangeObject = iterable.as<RangeObject>()) {
    std::vector<Value> items;
    for (int64_t i = 0; i < rangeObject->length(); ++i) items.push_back(rangeObject->start + i * rangeObject->step);
    return items;
  }
  if (iterable.isStr()) {
    std::vector<Value> items;
    for (char c : iterable.asStr()) items.push_back(std::string(1, c));
    return items;
  }
  if (iterable.isTensor()) {
    const Tensor& tensor = iterable.asTensor();
    if (tensor.dim() == 0) throwError(kExitRuntimeError, range, "iteration over a 0-d tensor");
    std::vector<Value> items;
    for (int64_t i = 0; i < tensor.size(0); ++i) items.push_back(tensor.select(0, i));
    return items;
  }
  throwError(kExitRuntimeError, range, fmt::format("'{}' object is not iterable", typeName(iterable)));
}

std::string Interpreter::str(const Value& value) {
  if (value.isStr()) return value.asStr();
  return repr(value);
}

std::string Interpreter::repr(const Value& value) { return interp::repr(value); }

std::string Interpreter::format(const Value& value, const std::string& spec, SourceRange range) {
  if (spec.empty()) return str(value);
  // Python's format-spec mini-language, through fmt (whose syntax is the same
  // for the common cases: width, fill, alignment, precision and type).
  try {
    if (value.isFloat() || (value.isTensor() && value.asTensor().numel() == 1 && isFloating(value.asTensor().dtype()))) {
      double number = value.isFloat() ? value.asFloat() : value.asTensor().item().toDouble();
      std::string pySpec = spec;
      bool percent = !pySpec.empty() && pySpec.back() == '%';
      if (percent) {
        pySpec.back() = 'f';
        return fmt::format(fmt::runtime("{:" + pySpec + "}"), number * 100) + "%";
      }
      return fmt::format(fmt::runtime("{:" + pySpec + "}"), number);
    }
    if (value.isInt() || value.isBool()) {
      int64_t number = value.toScalar().toInt();
      if (spec.find_first_of("fFeEgG%") != std::string::npos)
        return format(Value(static_cast<double>(number)), spec, range);
      return fmt::format(fmt::runtime("{:" + spec + "}"), number);
    }
    return fmt::format(fmt::runtime("{:" + spec + "}"), str(value));
  } catch (const fmt::format_error&) {
    throwError(kExitRuntimeError, range,
               fmt::format("invalid format specifier '{}' for object of type '{}'", spec, typeName(value)));
  }
}

}  // namespace hel::interp
