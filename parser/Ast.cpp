#include "parser/Ast.h"

#include <fmt/format.h>

#include "parser/Literals.h"

namespace hel::ast {

const char* kindName(NodeKind kind) {
  switch (kind) {
    case NodeKind::Module: return "Module";
    case NodeKind::FunctionDef: return "FunctionDef";
    case NodeKind::Assign: return "Assign";
    case NodeKind::AugAssign: return "AugAssign";
    case NodeKind::AnnAssign: return "AnnAssign";
    case NodeKind::ExprStmt: return "ExprStmt";
    case NodeKind::If: return "If";
    case NodeKind::For: return "For";
    case NodeKind::While: return "While";
    case NodeKind::Return: return "Return";
    case NodeKind::Pass: return "Pass";
    case NodeKind::Break: return "Break";
    case NodeKind::Continue: return "Continue";
    case NodeKind::Assert: return "Assert";
    case NodeKind::Import: return "Import";
    case NodeKind::ImportFrom: return "ImportFrom";
    case NodeKind::Name: return "Name";
    case NodeKind::Constant: return "Constant";
    case NodeKind::FString: return "FString";
    case NodeKind::BinOp: return "BinOp";
    case NodeKind::UnaryOp: return "UnaryOp";
    case NodeKind::BoolOp: return "BoolOp";
    case NodeKind::Compare: return "Compare";
    case NodeKind::IfExp: return "IfExp";
    case NodeKind::Lambda: return "Lambda";
    case NodeKind::Call: return "Call";
    case NodeKind::Attribute: return "Attribute";
    case NodeKind::Subscript: return "Subscript";
    case NodeKind::Slice: return "Slice";
    case NodeKind::Tuple: return "Tuple";
    case NodeKind::List: return "List";
    case NodeKind::Dict: return "Dict";
    case NodeKind::Starred: return "Starred";
  }
  return "?";
}

const char* spelling(BinOpKind op) {
  switch (op) {
    case BinOpKind::Add: return "+";
    case BinOpKind::Sub: return "-";
    case BinOpKind::Mul: return "*";
    case BinOpKind::MatMul: return "@";
    case BinOpKind::Div: return "/";
    case BinOpKind::FloorDiv: return "//";
    case BinOpKind::Mod: return "%";
    case BinOpKind::Pow: return "**";
    case BinOpKind::LShift: return "<<";
    case BinOpKind::RShift: return ">>";
    case BinOpKind::BitOr: return "|";
    case BinOpKind::BitXor: return "^";
    case BinOpKind::BitAnd: return "&";
  }
  return "?";
}

const char* spelling(UnaryOpKind op) {
  switch (op) {
    case UnaryOpKind::Not: return "not";
    case UnaryOpKind::Neg: return "-";
    case UnaryOpKind::Pos: return "+";
    case UnaryOpKind::Invert: return "~";
  }
  return "?";
}

const char* spelling(BoolOpKind op) { return op == BoolOpKind::And ? "and" : "or"; }

const char* spelling(CmpOpKind op) {
  switch (op) {
    case CmpOpKind::Eq: return "==";
    case CmpOpKind::NotEq: return "!=";
    case CmpOpKind::Lt: return "<";
    case CmpOpKind::LtE: return "<=";
    case CmpOpKind::Gt: return ">";
    case CmpOpKind::GtE: return ">=";
    case CmpOpKind::Is: return "is";
    case CmpOpKind::IsNot: return "is not";
    case CmpOpKind::In: return "in";
    case CmpOpKind::NotIn: return "not in";
  }
  return "?";
}

const char* constantKindName(ConstantKind kind) {
  switch (kind) {
    case ConstantKind::Int: return "int";
    case ConstantKind::Float: return "float";
    case ConstantKind::Str: return "str";
    case ConstantKind::Bool: return "bool";
    case ConstantKind::None: return "None";
    case ConstantKind::Ellipsis: return "Ellipsis";
  }
  return "?";
}

std::string formatRange(const SourceRange& range) {
  if (!range.valid()) return "?";
  const SourceFile& file = *range.file;
  uint32_t endLine = file.lineOf(range.end), endColumn = file.columnOf(range.end);
  char last = range.end > range.begin ? file.text()[range.end - 1] : 0;
  if (last == '\n' || last == '\r') {  // a line break ends the range: stay on its line
    endLine = file.lineOf(range.end - 1);
    endColumn = file.columnOf(range.end - 1) + 1;
  }
  return fmt::format("{}:{}-{}:{}", file.lineOf(range.begin), file.columnOf(range.begin), endLine, endColumn);
}

namespace {


class Dumper {
 public:
  std::string out;

  void node(const Node& n, int depth) {
    switch (n.kind) {
      case NodeKind::Module: {
        auto& m = cast<Module>(n);
        line(depth, n, "");
        stmts(m.body, depth + 1);
        return;
      }
      // ---- statements ----
      case NodeKind::FunctionDef: {
        auto& f = cast<FunctionDef>(n);
        line(depth, n, f.name);
        if (!f.decorators.empty()) {
          label(depth + 1, "decorators:");
          for (auto& d : f.decorators) node(*d, depth + 2);
        }
        for (auto& p : f.params) param(p, depth + 1);
        if (f.returns) {
          label(depth + 1, "returns:");
          node(*f.returns, depth + 2);
        }
        label(depth + 1, "body:");
        stmts(f.body, depth + 2);
        return;
      }
      case NodeKind::Assign: {
        auto& a = cast<Assign>(n);
        line(depth, n, "");
        for (auto& t : a.targets) node(*t, depth + 1);
        node(*a.value, depth + 1);
        return;
      }
      case NodeKind::AugAssign: {
        auto& a = cast<AugAssign>(n);
        line(depth, n, std::string(spelling(a.op)) + "=");
        node(*a.target, depth + 1);
        node(*a.value, depth + 1);
        return;
      }
      case NodeKind::AnnAssign: {
        auto& a = cast<AnnAssign>(n);
        line(depth, n, "");
        node(*a.target, depth + 1);
        labeled(depth + 1, "annotation:", a.annotation.get());
        labeled(depth + 1, "value:", a.value.get());
        return;
      }
      case NodeKind::ExprStmt:
        line(depth, n, "");
        node(*cast<ExprStmt>(n).value, depth + 1);
        return;
      case NodeKind::If: {
        auto& s = cast<If>(n);
        line(depth, n, s.isElif ? "elif" : "");
        node(*s.test, depth + 1);
        label(depth + 1, "body:");
        stmts(s.body, depth + 2);
        if (!s.orelse.empty()) {
          label(depth + 1, "orelse:");
          stmts(s.orelse, depth + 2);
        }
        return;
      }
      case NodeKind::For: {
        auto& s = cast<For>(n);
        line(depth, n, "");
        node(*s.target, depth + 1);
        node(*s.iter, depth + 1);
        label(depth + 1, "body:");
        stmts(s.body, depth + 2);
        if (!s.orelse.empty()) {
          label(depth + 1, "orelse:");
          stmts(s.orelse, depth + 2);
        }
        return;
      }
      case NodeKind::While: {
        auto& s = cast<While>(n);
        line(depth, n, "");
        node(*s.test, depth + 1);
        label(depth + 1, "body:");
        stmts(s.body, depth + 2);
        if (!s.orelse.empty()) {
          label(depth + 1, "orelse:");
          stmts(s.orelse, depth + 2);
        }
        return;
      }
      case NodeKind::Return: {
        line(depth, n, "");
        if (auto& v = cast<Return>(n).value) node(*v, depth + 1);
        return;
      }
      case NodeKind::Pass:
      case NodeKind::Break:
      case NodeKind::Continue:
        line(depth, n, "");
        return;
      case NodeKind::Assert: {
        auto& a = cast<Assert>(n);
        line(depth, n, "");
        node(*a.test, depth + 1);
        labeled(depth + 1, "msg:", a.msg.get());
        return;
      }
      case NodeKind::Import: {
        line(depth, n, "");
        for (auto& a : cast<Import>(n).names) alias(a, depth + 1);
        return;
      }
      case NodeKind::ImportFrom: {
        auto& s = cast<ImportFrom>(n);
        line(depth, n, s.module);
        for (auto& a : s.names) alias(a, depth + 1);
        return;
      }
      // ---- expressions ----
      case NodeKind::Name:
        line(depth, n, cast<Name>(n).id);
        return;
      case NodeKind::Constant:
        line(depth, n, constant(cast<Constant>(n)));
        return;
      case NodeKind::FString:
        line(depth, n, "");
        fstringParts(cast<FString>(n), depth + 1);
        return;
      case NodeKind::BinOp: {
        auto& b = cast<BinOp>(n);
        line(depth, n, spelling(b.op));
        node(*b.left, depth + 1);
        node(*b.right, depth + 1);
        return;
      }
      case NodeKind::UnaryOp: {
        auto& u = cast<UnaryOp>(n);
        line(depth, n, spelling(u.op));
        node(*u.operand, depth + 1);
        return;
      }
      case NodeKind::BoolOp: {
        auto& b = cast<BoolOp>(n);
        line(depth, n, spelling(b.op));
        for (auto& v : b.values) node(*v, depth + 1);
        return;
      }
      case NodeKind::Compare: {
        auto& c = cast<Compare>(n);
        std::string ops;
        for (CmpOpKind op : c.ops) {
          if (!ops.empty()) ops += ", ";
          ops += spelling(op);
        }
        line(depth, n, ops);
        node(*c.left, depth + 1);
        for (auto& v : c.comparators) node(*v, depth + 1);
        return;
      }
      case NodeKind::IfExp: {
        auto& e = cast<IfExp>(n);
        line(depth, n, "");
        labeled(depth + 1, "test:", e.test.get());
        labeled(depth + 1, "body:", e.body.get());
        labeled(depth + 1, "orelse:", e.orelse.get());
        return;
      }
      case NodeKind::Lambda: {
        auto& l = cast<Lambda>(n);
        line(depth, n, "");
        for (auto& p : l.params) param(p, depth + 1);
        labeled(depth + 1, "body:", l.body.get());
        return;
      }
      case NodeKind::Call: {
        auto& c = cast<Call>(n);
        line(depth, n, "");
        node(*c.func, depth + 1);
        for (auto& a : c.args) node(*a, depth + 1);
        for (auto& k : c.keywords) {
          out += indent(depth + 1);
          out += fmt::format("Keyword {} {}\n", formatRange(k.range), k.arg.empty() ? "**" : k.arg);
          node(*k.value, depth + 2);
        }
        return;
      }
      case NodeKind::Attribute: {
        auto& a = cast<Attribute>(n);
        line(depth, n, a.attr);
        node(*a.value, depth + 1);
        return;
      }
      case NodeKind::Subscript: {
        auto& s = cast<Subscript>(n);
        line(depth, n, "");
        node(*s.value, depth + 1);
        node(*s.slice, depth + 1);
        return;
      }
      case NodeKind::Slice: {
        auto& s = cast<Slice>(n);
        line(depth, n, "");
        labeled(depth + 1, "lower:", s.lower.get());
        labeled(depth + 1, "upper:", s.upper.get());
        labeled(depth + 1, "step:", s.step.get());
        return;
      }
      case NodeKind::Tuple:
        line(depth, n, "");
        for (auto& e : cast<Tuple>(n).elts) node(*e, depth + 1);
        return;
      case NodeKind::List:
        line(depth, n, "");
        for (auto& e : cast<List>(n).elts) node(*e, depth + 1);
        return;
      case NodeKind::Dict: {
        auto& d = cast<Dict>(n);
        line(depth, n, "");
        for (size_t i = 0; i < d.values.size(); ++i) {
          if (d.keys[i])
            node(*d.keys[i], depth + 1);
          else
            label(depth + 1, "**:");
          node(*d.values[i], depth + 1);
        }
        return;
      }
      case NodeKind::Starred:
        line(depth, n, "");
        node(*cast<Starred>(n).value, depth + 1);
        return;
    }
  }

 private:
  static std::string indent(int depth) { return std::string(2 * depth, ' '); }

  void line(int depth, const Node& n, const std::string& attrs) {
    out += indent(depth);
    out += kindName(n.kind);
    out += ' ';
    out += formatRange(n.range);
    if (!attrs.empty()) {
      out += ' ';
      out += attrs;
    }
    out += '\n';
  }

  void label(int depth, const char* text) {
    out += indent(depth);
    out += text;
    out += '\n';
  }

  void labeled(int depth, const char* text, const Node* n) {
    if (!n) return;
    label(depth, text);
    node(*n, depth + 1);
  }

  void stmts(const StmtList& list, int depth) {
    for (auto& s : list) node(*s, depth);
  }

  void param(const Param& p, int depth) {
    std::string name;
    switch (p.kind) {
      case Param::Kind::Positional: name = p.name; break;
      case Param::Kind::VarPositional: name = "*" + p.name; break;
      case Param::Kind::KeywordOnly: name = p.name + " (keyword-only)"; break;
      case Param::Kind::VarKeyword: name = "**" + p.name; break;
    }
    out += indent(depth);
    out += fmt::format("Param {} {}\n", formatRange(p.range), name);
    labeled(depth + 1, "annotation:", p.annotation.get());
    labeled(depth + 1, "default:", p.defaultValue.get());
  }

  void alias(const Alias& a, int depth) {
    out += indent(depth);
    out += fmt::format("Alias {} {}", formatRange(a.range), a.name);
    if (!a.asname.empty()) out += " as " + a.asname;
    out += '\n';
  }

  static std::string constant(const Constant& c) {
    switch (c.valueKind) {
      case ConstantKind::Int: {
        std::string value = std::to_string(c.intValue);
        return value == c.spelling ? "int " + value : fmt::format("int {} ({})", value, c.spelling);
      }
      case ConstantKind::Float: return "float " + c.spelling;
      case ConstantKind::Str: return "str " + parser::quoteForDump(c.strValue);
      case ConstantKind::Bool: return c.boolValue ? "bool True" : "bool False";
      case ConstantKind::None: return "None";
      case ConstantKind::Ellipsis: return "Ellipsis";
    }
    return "?";
  }

  void fstringParts(const FString& f, int depth) {
    for (const FString::Part& part : f.parts) {
      out += indent(depth);
      if (!part.isField()) {
        out += fmt::format("Text {} {}\n", formatRange(part.range), parser::quoteForDump(part.literal));
        continue;
      }
      out += fmt::format("Field {}", formatRange(part.range));
      if (part.conversion) out += fmt::format(" !{}", part.conversion);
      out += '\n';
      node(*part.value, depth + 1);
      if (part.formatSpec) {
        label(depth + 1, "spec:");
        node(*part.formatSpec, depth + 2);
      }
    }
  }
};

}  // namespace

namespace {

void visitAll(const ExprList& list, const std::function<void(const Node&)>& visit) {
  for (const auto& e : list)
    if (e) visit(*e);
}
void visitAll(const StmtList& list, const std::function<void(const Node&)>& visit) {
  for (const auto& s : list) visit(*s);
}
void visitOne(const ExprPtr& e, const std::function<void(const Node&)>& visit) {
  if (e) visit(*e);
}
void visitParams(const std::vector<Param>& params, const std::function<void(const Node&)>& visit) {
  for (const Param& p : params) {
    visitOne(p.annotation, visit);
    visitOne(p.defaultValue, visit);
  }
}

}  // namespace

void forEachChild(const Node& node, const std::function<void(const Node&)>& visit) {
  switch (node.kind) {
    case NodeKind::Module: visitAll(cast<Module>(node).body, visit); return;
    case NodeKind::FunctionDef: {
      auto& f = cast<FunctionDef>(node);
      visitAll(f.decorators, visit);
      visitParams(f.params, visit);
      visitOne(f.returns, visit);
      visitAll(f.body, visit);
      return;
    }
    case NodeKind::Assign: {
      auto& a = cast<Assign>(node);
      visitAll(a.targets, visit);
      visitOne(a.value, visit);
      return;
    }
    case NodeKind::AugAssign: {
      auto& a = cast<AugAssign>(node);
      visitOne(a.target, visit);
      visitOne(a.value, visit);
      return;
    }
    case NodeKind::AnnAssign: {
      auto& a = cast<AnnAssign>(node);
      visitOne(a.target, visit);
      visitOne(a.annotation, visit);
      visitOne(a.value, visit);
      return;
    }
    case NodeKind::ExprStmt: visitOne(cast<ExprStmt>(node).value, visit); return;
    case NodeKind::If: {
      auto& s = cast<If>(node);
      visitOne(s.test, visit);
      visitAll(s.body, visit);
      visitAll(s.orelse, visit);
      return;
    }
    case NodeKind::For: {
      auto& s = cast<For>(node);
      visitOne(s.target, visit);
      visitOne(s.iter, visit);
      visitAll(s.body, visit);
      visitAll(s.orelse, visit);
      return;
    }
    case NodeKind::While: {
      auto& s = cast<While>(node);
      visitOne(s.test, visit);
      visitAll(s.body, visit);
      visitAll(s.orelse, visit);
      return;
    }
    case NodeKind::Return: visitOne(cast<Return>(node).value, visit); return;
    case NodeKind::Assert: {
      auto& a = cast<Assert>(node);
      visitOne(a.test, visit);
      visitOne(a.msg, visit);
      return;
    }
    case NodeKind::Pass:
    case NodeKind::Break:
    case NodeKind::Continue:
    case NodeKind::Import:
    case NodeKind::ImportFrom:
    case NodeKind::Name:
    case NodeKind::Constant:
      return;
    case NodeKind::FString:
      for (const FString::Part& part : cast<FString>(node).parts) {
        visitOne(part.value, visit);
        if (part.formatSpec) visit(*part.formatSpec);
      }
      return;
    case NodeKind::BinOp: {
      auto& b = cast<BinOp>(node);
      visitOne(b.left, visit);
      visitOne(b.right, visit);
      return;
    }
    case NodeKind::UnaryOp: visitOne(cast<UnaryOp>(node).operand, visit); return;
    case NodeKind::BoolOp: visitAll(cast<BoolOp>(node).values, visit); return;
    case NodeKind::Compare: {
      auto& c = cast<Compare>(node);
      visitOne(c.left, visit);
      visitAll(c.comparators, visit);
      return;
    }
    case NodeKind::IfExp: {  // in source order: body if test else orelse
      auto& e = cast<IfExp>(node);
      visitOne(e.body, visit);
      visitOne(e.test, visit);
      visitOne(e.orelse, visit);
      return;
    }
    case NodeKind::Lambda: {
      auto& l = cast<Lambda>(node);
      visitParams(l.params, visit);
      visitOne(l.body, visit);
      return;
    }
    case NodeKind::Call: {
      auto& c = cast<Call>(node);
      visitOne(c.func, visit);
      visitAll(c.args, visit);
      for (const Keyword& k : c.keywords) visitOne(k.value, visit);
      return;
    }
    case NodeKind::Attribute: visitOne(cast<Attribute>(node).value, visit); return;
    case NodeKind::Subscript: {
      auto& s = cast<Subscript>(node);
      visitOne(s.value, visit);
      visitOne(s.slice, visit);
      return;
    }
    case NodeKind::Slice: {
      auto& s = cast<Slice>(node);
      visitOne(s.lower, visit);
      visitOne(s.upper, visit);
      visitOne(s.step, visit);
      return;
    }
    case NodeKind::Tuple: visitAll(cast<Tuple>(node).elts, visit); return;
    case NodeKind::List: visitAll(cast<List>(node).elts, visit); return;
    case NodeKind::Dict: {
      auto& d = cast<Dict>(node);
      for (size_t i = 0; i < d.values.size(); ++i) {
        visitOne(d.keys[i], visit);
        visitOne(d.values[i], visit);
      }
      return;
    }
    case NodeKind::Starred: visitOne(cast<Starred>(node).value, visit); return;
  }
}

std::string dump(const Node& node) {
  Dumper dumper;
  dumper.node(node, 0);
  return std::move(dumper.out);
}

}  // namespace hel::ast
