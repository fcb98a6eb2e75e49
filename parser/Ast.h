// The abstract syntax tree of a .hel file: what parser/ produces and every later
// phase (sema, the host interpreter, lowering) consumes. ANTLR never appears here.
//
// The shape follows Python's `ast` module, so that anyone who knows Python's AST
// knows this one:
//
//   Module
//   Stmt:  FunctionDef Assign AugAssign AnnAssign ExprStmt If For While Return
//          Pass Break Continue Assert Import ImportFrom
//   Expr:  Name Constant FString BinOp UnaryOp BoolOp Compare IfExp Lambda Call
//          Attribute Subscript Slice Tuple List Dict Starred
//
// Every node has a `kind` (NodeKind) and a `range` (the half-open byte range of
// its source text, support/Source.h). Children are owned through std::unique_ptr;
// an optional child is a null pointer. Downcast with the LLVM-style helpers:
//
//   if (auto* call = ast::dynCast<ast::Call>(expr)) ...      // null if not a Call
//   const auto& name = ast::cast<ast::Name>(*target);        // asserts
//   if (ast::isa<ast::Stmt>(node)) ...                       // classes of kinds too
//   switch (expr->kind) { case ast::NodeKind::BinOp: ... }
//
// Python's conventions that later phases rely on:
//   * `elif` is an If whose `isElif` is set, alone in the `orelse` of the If before it.
//   * `a < b < c` is one Compare with ops [<, <] and comparators [b, c].
//   * `a and b and c` is one BoolOp with three values.
//   * `x[i, j]` has a Tuple as its `slice`; `x[i:j]` a Slice; `x[i, :]` a Tuple
//     holding a Name and a Slice.
//   * Call arguments keep their order: `args` holds positional ones and Starred
//     (`*xs`); `keywords` holds `k=v` and, with an empty `arg`, `**kw`.
//   * A parenthesized expression is the expression itself (its range excludes
//     the parentheses); a parenthesized tuple's range includes them.
//   * Implicitly concatenated strings (`"a" "b"`) are one Constant, or one FString
//     if any part is an f-string.
#pragma once

#include <cassert>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "support/Source.h"

namespace hel::ast {

enum class NodeKind : uint8_t {
  Module,
  // Statements.
  FunctionDef,
  Assign,
  AugAssign,
  AnnAssign,
  ExprStmt,
  If,
  For,
  While,
  Return,
  Pass,
  Break,
  Continue,
  Assert,
  Import,
  ImportFrom,
  // Expressions.
  Name,
  Constant,
  FString,
  BinOp,
  UnaryOp,
  BoolOp,
  Compare,
  IfExp,
  Lambda,
  Call,
  Attribute,
  Subscript,
  Slice,
  Tuple,
  List,
  Dict,
  Starred,

  FirstStmt = FunctionDef,
  LastStmt = ImportFrom,
  FirstExpr = Name,
  LastExpr = Starred,
};

// "FunctionDef", "BinOp", ...
const char* kindName(NodeKind kind);

// ---- operators ----------------------------------------------------------------

enum class BinOpKind : uint8_t {
  Add,       // +
  Sub,       // -
  Mul,       // *
  MatMul,    // @
  Div,       // /
  FloorDiv,  // //
  Mod,       // %
  Pow,       // **
  LShift,    // <<
  RShift,    // >>
  BitOr,     // |
  BitXor,    // ^
  BitAnd,    // &
};
enum class UnaryOpKind : uint8_t { Not, Neg, Pos, Invert };  // not - + ~
enum class BoolOpKind : uint8_t { And, Or };
enum class CmpOpKind : uint8_t { Eq, NotEq, Lt, LtE, Gt, GtE, Is, IsNot, In, NotIn };

// The operator as written: "+", "//", "not", "is not", ... (`+=` is the BinOpKind
// of an AugAssign plus "=").
const char* spelling(BinOpKind op);
const char* spelling(UnaryOpKind op);
const char* spelling(BoolOpKind op);
const char* spelling(CmpOpKind op);

// ---- the node hierarchy ---------------------------------------------------------

class Node {
 public:
  virtual ~Node() = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  const NodeKind kind;
  SourceRange range;

 protected:
  Node(NodeKind kind, SourceRange range) : kind(kind), range(range) {}
};

class Stmt : public Node {
 public:
  static bool classof(const Node* node) {
    return node->kind >= NodeKind::FirstStmt && node->kind <= NodeKind::LastStmt;
  }

 protected:
  using Node::Node;
};

class Expr : public Node {
 public:
  static bool classof(const Node* node) {
    return node->kind >= NodeKind::FirstExpr && node->kind <= NodeKind::LastExpr;
  }

 protected:
  using Node::Node;
};

using ExprPtr = std::unique_ptr<Expr>;
using StmtPtr = std::unique_ptr<Stmt>;
using ExprList = std::vector<ExprPtr>;
using StmtList = std::vector<StmtPtr>;

// Declares the class's kind and its classof() for isa/cast/dynCast.
#define HEL_AST_KIND(NAME)                 \
  static constexpr NodeKind Kind = NodeKind::NAME; \
  static bool classof(const Node* node) { return node->kind == Kind; }

// ---- downcasting ----------------------------------------------------------------

template <typename T>
bool isa(const Node* node) {
  return node != nullptr && T::classof(node);
}
template <typename T>
bool isa(const Node& node) {
  return T::classof(&node);
}
template <typename T, typename U>
bool isa(const std::unique_ptr<U>& node) {
  return isa<T>(node.get());
}

template <typename T>
T* cast(Node* node) {
  assert(isa<T>(node) && "ast::cast to the wrong node kind");
  return static_cast<T*>(node);
}
template <typename T>
const T* cast(const Node* node) {
  assert(isa<T>(node) && "ast::cast to the wrong node kind");
  return static_cast<const T*>(node);
}
template <typename T>
T& cast(Node& node) {
  assert(isa<T>(node) && "ast::cast to the wrong node kind");
  return static_cast<T&>(node);
}
template <typename T>
const T& cast(const Node& node) {
  assert(isa<T>(node) && "ast::cast to the wrong node kind");
  return static_cast<const T&>(node);
}
template <typename T, typename U>
T* cast(const std::unique_ptr<U>& node) {
  return cast<T>(static_cast<Node*>(node.get()));
}

template <typename T>
T* dynCast(Node* node) {
  return isa<T>(node) ? static_cast<T*>(node) : nullptr;
}
template <typename T>
const T* dynCast(const Node* node) {
  return isa<T>(node) ? static_cast<const T*>(node) : nullptr;
}
template <typename T, typename U>
T* dynCast(const std::unique_ptr<U>& node) {
  return dynCast<T>(static_cast<Node*>(node.get()));
}

// ---- parts that are not nodes -------------------------------------------------

// One parameter of a `def` or `lambda`.
struct Param {
  enum class Kind : uint8_t {
    Positional,     // x, x=1 (before any * or *args)
    VarPositional,  // *args
    KeywordOnly,    // x, x=1 after * or *args
    VarKeyword,     // **kwargs
  };
  Kind kind = Kind::Positional;
  std::string name;
  SourceRange range;      // the whole parameter, `x: T = 1`
  SourceRange nameRange;  // just `x`
  ExprPtr annotation;     // null if none (always null in a lambda)
  ExprPtr defaultValue;   // null if none
};

// `name=value` in a call; `**value` when `arg` is empty.
struct Keyword {
  std::string arg;
  SourceRange range;     // the whole argument
  SourceRange argRange;  // `name`; invalid for `**value`
  ExprPtr value;
};

// `a.b.c as d` in an import, `b as d` in a from-import; `asname` is empty
// without `as`. In `from m import *`, one Alias named "*".
struct Alias {
  std::string name;
  std::string asname;
  SourceRange range;
};

// ---- expressions -------------------------------------------------------------------

class Name : public Expr {
 public:
  HEL_AST_KIND(Name)
  Name(SourceRange range, std::string id) : Expr(Kind, range), id(std::move(id)) {}
  std::string id;
};

enum class ConstantKind : uint8_t { Int, Float, Str, Bool, None, Ellipsis };
const char* constantKindName(ConstantKind kind);  // "int", "float", "str", ...

// A literal. `spelling` is the source text as written (`0x1F`, `1e-5`, `'a' "b"`).
class Constant : public Expr {
 public:
  HEL_AST_KIND(Constant)
  Constant(SourceRange range, ConstantKind valueKind, std::string spelling)
      : Expr(Kind, range), valueKind(valueKind), spelling(std::move(spelling)) {}

  ConstantKind valueKind;
  int64_t intValue = 0;    // Int
  double floatValue = 0;   // Float
  bool boolValue = false;  // Bool
  std::string strValue;    // Str: the decoded text (UTF-8), escapes applied
  std::string spelling;
};

// An f-string: literal text and replacement fields `{value!conversion:spec}`, in
// order. Adjacent literal text is merged; `{{` and `}}` are already `{` and `}`.
// `{x=}` is the literal "x=" followed by the field `{x!r}`, as in Python.
class FString : public Expr {
 public:
  HEL_AST_KIND(FString)
  struct Part {
    SourceRange range;
    std::string literal;                  // the text, when `value` is null
    ExprPtr value;                        // the expression of a field
    char conversion = 0;                  // 0, 'r', 's' or 'a'
    std::unique_ptr<FString> formatSpec;  // null if none; may hold nested fields
    bool isField() const { return value != nullptr; }
  };
  explicit FString(SourceRange range) : Expr(Kind, range) {}
  std::vector<Part> parts;
};

class BinOp : public Expr {
 public:
  HEL_AST_KIND(BinOp)
  BinOp(SourceRange range, ExprPtr left, BinOpKind op, ExprPtr right)
      : Expr(Kind, range), left(std::move(left)), op(op), right(std::move(right)) {}
  ExprPtr left;
  BinOpKind op;
  ExprPtr right;
};

class UnaryOp : public Expr {
 public:
  HEL_AST_KIND(UnaryOp)
  UnaryOp(SourceRange range, UnaryOpKind op, ExprPtr operand)
      : Expr(Kind, range), op(op), operand(std::move(operand)) {}
  UnaryOpKind op;
  ExprPtr operand;
};

// `a and b and c`: two or more values.
class BoolOp : public Expr {
 public:
  HEL_AST_KIND(BoolOp)
  BoolOp(SourceRange range, BoolOpKind op) : Expr(Kind, range), op(op) {}
  BoolOpKind op;
  ExprList values;
};

// `left ops[0] comparators[0] ops[1] comparators[1] ...`
class Compare : public Expr {
 public:
  HEL_AST_KIND(Compare)
  Compare(SourceRange range, ExprPtr left) : Expr(Kind, range), left(std::move(left)) {}
  ExprPtr left;
  std::vector<CmpOpKind> ops;
  ExprList comparators;
};

// `body if test else orelse`
class IfExp : public Expr {
 public:
  HEL_AST_KIND(IfExp)
  IfExp(SourceRange range, ExprPtr test, ExprPtr body, ExprPtr orelse)
      : Expr(Kind, range), test(std::move(test)), body(std::move(body)), orelse(std::move(orelse)) {}
  ExprPtr test;
  ExprPtr body;
  ExprPtr orelse;
};

class Lambda : public Expr {
 public:
  HEL_AST_KIND(Lambda)
  explicit Lambda(SourceRange range) : Expr(Kind, range) {}
  std::vector<Param> params;
  ExprPtr body;
};

class Call : public Expr {
 public:
  HEL_AST_KIND(Call)
  Call(SourceRange range, ExprPtr func) : Expr(Kind, range), func(std::move(func)) {}
  ExprPtr func;
  ExprList args;                  // positional arguments and Starred (`*xs`)
  std::vector<Keyword> keywords;  // `k=v`, and `**kw` with an empty `arg`
};

class Attribute : public Expr {
 public:
  HEL_AST_KIND(Attribute)
  Attribute(SourceRange range, ExprPtr value, std::string attr, SourceRange attrRange)
      : Expr(Kind, range), value(std::move(value)), attr(std::move(attr)), attrRange(attrRange) {}
  ExprPtr value;
  std::string attr;
  SourceRange attrRange;
};

// `value[slice]`; see the file comment for what `slice` holds.
class Subscript : public Expr {
 public:
  HEL_AST_KIND(Subscript)
  Subscript(SourceRange range, ExprPtr value, ExprPtr slice)
      : Expr(Kind, range), value(std::move(value)), slice(std::move(slice)) {}
  ExprPtr value;
  ExprPtr slice;
};

// `lower:upper:step` inside a subscript; each part may be null.
class Slice : public Expr {
 public:
  HEL_AST_KIND(Slice)
  explicit Slice(SourceRange range) : Expr(Kind, range) {}
  ExprPtr lower;
  ExprPtr upper;
  ExprPtr step;
};

class Tuple : public Expr {
 public:
  HEL_AST_KIND(Tuple)
  explicit Tuple(SourceRange range) : Expr(Kind, range) {}
  ExprList elts;
};

class List : public Expr {
 public:
  HEL_AST_KIND(List)
  explicit List(SourceRange range) : Expr(Kind, range) {}
  ExprList elts;
};

// `{k: v, **d}`: keys[i] is null for a `**d` entry.
class Dict : public Expr {
 public:
  HEL_AST_KIND(Dict)
  explicit Dict(SourceRange range) : Expr(Kind, range) {}
  ExprList keys;
  ExprList values;
};

// `*value` in a tuple, list, assignment target or call.
class Starred : public Expr {
 public:
  HEL_AST_KIND(Starred)
  Starred(SourceRange range, ExprPtr value) : Expr(Kind, range), value(std::move(value)) {}
  ExprPtr value;
};

// ---- statements ------------------------------------------------------------------

class FunctionDef : public Stmt {
 public:
  HEL_AST_KIND(FunctionDef)
  FunctionDef(SourceRange range, std::string name, SourceRange nameRange)
      : Stmt(Kind, range), name(std::move(name)), nameRange(nameRange) {}
  std::string name;
  SourceRange nameRange;
  ExprList decorators;  // in source order, without the `@`
  std::vector<Param> params;
  ExprPtr returns;  // the `-> T` annotation; null if none
  StmtList body;
};

// `targets[0] = targets[1] = ... = value`
class Assign : public Stmt {
 public:
  HEL_AST_KIND(Assign)
  explicit Assign(SourceRange range) : Stmt(Kind, range) {}
  ExprList targets;
  ExprPtr value;
};

// `target op= value`
class AugAssign : public Stmt {
 public:
  HEL_AST_KIND(AugAssign)
  AugAssign(SourceRange range, ExprPtr target, BinOpKind op, ExprPtr value)
      : Stmt(Kind, range), target(std::move(target)), op(op), value(std::move(value)) {}
  ExprPtr target;
  BinOpKind op;
  ExprPtr value;
};

// `target: annotation = value`; `value` may be null. `simple` is true when the
// target is a plain name, not in parentheses.
class AnnAssign : public Stmt {
 public:
  HEL_AST_KIND(AnnAssign)
  AnnAssign(SourceRange range, ExprPtr target, ExprPtr annotation)
      : Stmt(Kind, range), target(std::move(target)), annotation(std::move(annotation)) {}
  ExprPtr target;
  ExprPtr annotation;
  ExprPtr value;
  bool simple = false;
};

class ExprStmt : public Stmt {
 public:
  HEL_AST_KIND(ExprStmt)
  ExprStmt(SourceRange range, ExprPtr value) : Stmt(Kind, range), value(std::move(value)) {}
  ExprPtr value;
};

class If : public Stmt {
 public:
  HEL_AST_KIND(If)
  If(SourceRange range, ExprPtr test) : Stmt(Kind, range), test(std::move(test)) {}
  ExprPtr test;
  StmtList body;
  StmtList orelse;  // `else:` body, or a single If with isElif set
  bool isElif = false;
};

class For : public Stmt {
 public:
  HEL_AST_KIND(For)
  For(SourceRange range, ExprPtr target, ExprPtr iter)
      : Stmt(Kind, range), target(std::move(target)), iter(std::move(iter)) {}
  ExprPtr target;  // a Name, or a Tuple of targets for `for a, b in ...`
  ExprPtr iter;
  StmtList body;
  StmtList orelse;
};

class While : public Stmt {
 public:
  HEL_AST_KIND(While)
  While(SourceRange range, ExprPtr test) : Stmt(Kind, range), test(std::move(test)) {}
  ExprPtr test;
  StmtList body;
  StmtList orelse;
};

class Return : public Stmt {
 public:
  HEL_AST_KIND(Return)
  Return(SourceRange range, ExprPtr value) : Stmt(Kind, range), value(std::move(value)) {}
  ExprPtr value;  // null for a bare `return`
};

class Pass : public Stmt {
 public:
  HEL_AST_KIND(Pass)
  explicit Pass(SourceRange range) : Stmt(Kind, range) {}
};

class Break : public Stmt {
 public:
  HEL_AST_KIND(Break)
  explicit Break(SourceRange range) : Stmt(Kind, range) {}
};

class Continue : public Stmt {
 public:
  HEL_AST_KIND(Continue)
  explicit Continue(SourceRange range) : Stmt(Kind, range) {}
};

class Assert : public Stmt {
 public:
  HEL_AST_KIND(Assert)
  Assert(SourceRange range, ExprPtr test, ExprPtr msg)
      : Stmt(Kind, range), test(std::move(test)), msg(std::move(msg)) {}
  ExprPtr test;
  ExprPtr msg;  // null if none
};

// `import a.b as c, d`
class Import : public Stmt {
 public:
  HEL_AST_KIND(Import)
  explicit Import(SourceRange range) : Stmt(Kind, range) {}
  std::vector<Alias> names;
};

// `from module import a, b as c`
class ImportFrom : public Stmt {
 public:
  HEL_AST_KIND(ImportFrom)
  ImportFrom(SourceRange range, std::string module, SourceRange moduleRange)
      : Stmt(Kind, range), module(std::move(module)), moduleRange(moduleRange) {}
  std::string module;  // dotted: "torch.nn.functional"
  SourceRange moduleRange;
  std::vector<Alias> names;
};

// ---- the file ------------------------------------------------------------------------

class Module : public Node {
 public:
  HEL_AST_KIND(Module)
  explicit Module(SourceRange range) : Node(Kind, range) {}
  StmtList body;
};

#undef HEL_AST_KIND

// ---- walking ---------------------------------------------------------------------------

// Calls `visit` on each direct child node of `node`, in source order: every
// expression and statement it holds, including decorators, parameter
// annotations and defaults, keyword values, f-string field values and format
// specs. (Params, Keywords, Aliases and f-string parts are not nodes; their
// nodes are visited.) Use it for walks that care about a few kinds only:
//
//   void collectNames(const ast::Node& n, std::vector<std::string>& out) {
//     if (auto* name = ast::dynCast<ast::Name>(&n)) out.push_back(name->id);
//     ast::forEachChild(n, [&](const ast::Node& child) { collectNames(child, out); });
//   }
void forEachChild(const Node& node, const std::function<void(const Node&)>& visit);

// ---- printing ----------------------------------------------------------------------

// An indented tree, one node per line: the kind, its `line:col-line:col` range
// (the end column is exclusive) and its key attributes, e.g.
//
//   Module 1:1-3:1
//     Assign 1:1-1:10
//       Name 1:1-1:2 x
//       BinOp 1:5-1:10 +
//         Name 1:5-1:6 a
//         Constant 1:9-1:10 int 1
//
// Fields that could be confused are labeled on lines of their own (`body:`,
// `orelse:`, `returns:`, ...). The format is stable: golden tests check it.
std::string dump(const Node& node);

// `1:5-1:10`, as in dump().
std::string formatRange(const SourceRange& range);

}  // namespace hel::ast
