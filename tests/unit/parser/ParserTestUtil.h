// Helpers for the parser's unit tests: parse a string, collect diagnostics,
// and print expressions compactly (fully parenthesized) to check their shape.
#pragma once

#include <fmt/format.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "parser/Ast.h"
#include "parser/Parser.h"

namespace hel::test {

struct Parsed {
  std::unique_ptr<SourceFile> file;
  std::unique_ptr<ast::Module> module;
  std::vector<Diagnostic> diags;

  // "3:5: error: expected ':'" for each diagnostic and each of its notes.
  std::vector<std::string> messages() const {
    std::vector<std::string> out;
    auto add = [&](const Diagnostic& d) {
      const char* severity = d.severity == Severity::Error ? "error" : d.severity == Severity::Warning ? "warning" : "note";
      out.push_back(fmt::format("{}:{}: {}: {}", d.range.line(), d.range.column(), severity, d.message));
    };
    for (const Diagnostic& d : diags) {
      add(d);
      for (const Diagnostic& note : d.notes) add(note);
    }
    return out;
  }
  bool ok() const { return module != nullptr; }
};

inline Parsed parse(const std::string& text) {
  Parsed p;
  p.file = std::make_unique<SourceFile>("test.hel", text);
  DiagnosticEngine engine([&](const Diagnostic& d) { p.diags.push_back(d); });
  p.module = parseModule(*p.file, engine);
  return p;
}

// The token dump, as "KIND text" lines without positions; the diagnostics as
// "line:col: severity: message" in `messages`.
inline std::vector<std::string> tokenKinds(const std::string& text, std::vector<std::string>* messages = nullptr) {
  SourceFile file("test.hel", text);
  std::vector<Diagnostic> diags;
  DiagnosticEngine engine([&](const Diagnostic& d) { diags.push_back(d); });
  std::string dump;
  dumpTokens(file, engine, dump);
  if (messages) {
    for (const Diagnostic& d : diags) {
      const char* severity = d.severity == Severity::Error ? "error" : d.severity == Severity::Warning ? "warning" : "note";
      messages->push_back(fmt::format("{}:{}: {}: {}", d.range.line(), d.range.column(), severity, d.message));
    }
  }
  std::vector<std::string> out;
  std::istringstream in(dump);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string kind, range, rest;
    words >> kind >> range;
    std::getline(words, rest);
    size_t start = rest.find_first_not_of(' ');
    rest = start == std::string::npos ? "" : rest.substr(start);
    out.push_back(rest.empty() ? kind : kind + " " + rest);
  }
  return out;
}

// A compact, fully parenthesized form of an expression: (+ a (* b c)).
inline std::string sexpr(const ast::Expr* e);

inline std::string sexprList(const ast::ExprList& list) {
  std::string out;
  for (const auto& e : list) out += " " + sexpr(e.get());
  return out;
}

inline std::string sexpr(const ast::Expr* e) {
  using namespace ast;
  if (!e) return "_";
  switch (e->kind) {
    case NodeKind::Name: return cast<Name>(e)->id;
    case NodeKind::Constant: {
      auto* c = cast<Constant>(e);
      switch (c->valueKind) {
        case ConstantKind::Int: return std::to_string(c->intValue);
        case ConstantKind::Float: return fmt::format("{}f", c->floatValue);
        case ConstantKind::Str: return "'" + c->strValue + "'";
        case ConstantKind::Bool: return c->boolValue ? "True" : "False";
        case ConstantKind::None: return "None";
        case ConstantKind::Ellipsis: return "...";
      }
      return "?";
    }
    case NodeKind::BinOp: {
      auto* b = cast<BinOp>(e);
      return fmt::format("({} {} {})", spelling(b->op), sexpr(b->left.get()), sexpr(b->right.get()));
    }
    case NodeKind::UnaryOp: {
      auto* u = cast<UnaryOp>(e);
      return fmt::format("({} {})", spelling(u->op), sexpr(u->operand.get()));
    }
    case NodeKind::BoolOp: {
      auto* b = cast<BoolOp>(e);
      return fmt::format("({}{})", spelling(b->op), sexprList(b->values));
    }
    case NodeKind::Compare: {
      auto* c = cast<Compare>(e);
      std::string out = "(cmp " + sexpr(c->left.get());
      for (size_t i = 0; i < c->ops.size(); ++i)
        out += fmt::format(" {} {}", spelling(c->ops[i]), sexpr(c->comparators[i].get()));
      return out + ")";
    }
    case NodeKind::IfExp: {
      auto* i = cast<IfExp>(e);
      return fmt::format("(if {} {} {})", sexpr(i->test.get()), sexpr(i->body.get()), sexpr(i->orelse.get()));
    }
    case NodeKind::Lambda: {
      auto* l = cast<Lambda>(e);
      std::string params;
      for (const Param& p : l->params) params += (params.empty() ? "" : " ") + p.name;
      return fmt::format("(lambda [{}] {})", params, sexpr(l->body.get()));
    }
    case NodeKind::Call: {
      auto* c = cast<Call>(e);
      std::string out = "(call " + sexpr(c->func.get()) + sexprList(c->args);
      for (const Keyword& k : c->keywords) out += fmt::format(" {}={}", k.arg.empty() ? "**" : k.arg, sexpr(k.value.get()));
      return out + ")";
    }
    case NodeKind::Attribute: {
      auto* a = cast<Attribute>(e);
      return fmt::format("(. {} {})", sexpr(a->value.get()), a->attr);
    }
    case NodeKind::Subscript: {
      auto* s = cast<Subscript>(e);
      return fmt::format("([] {} {})", sexpr(s->value.get()), sexpr(s->slice.get()));
    }
    case NodeKind::Slice: {
      auto* s = cast<Slice>(e);
      return fmt::format("(: {} {} {})", sexpr(s->lower.get()), sexpr(s->upper.get()), sexpr(s->step.get()));
    }
    case NodeKind::Tuple: return "(tuple" + sexprList(cast<Tuple>(e)->elts) + ")";
    case NodeKind::List: return "(list" + sexprList(cast<List>(e)->elts) + ")";
    case NodeKind::Dict: {
      auto* d = cast<Dict>(e);
      std::string out = "(dict";
      for (size_t i = 0; i < d->values.size(); ++i)
        out += fmt::format(" {}:{}", d->keys[i] ? sexpr(d->keys[i].get()) : "**", sexpr(d->values[i].get()));
      return out + ")";
    }
    case NodeKind::Starred: return "(* " + sexpr(cast<Starred>(e)->value.get()) + ")";
    case NodeKind::FString: {
      std::string out = "(f";
      for (const FString::Part& part : cast<FString>(e)->parts) {
        if (!part.isField()) {
          out += " '" + part.literal + "'";
          continue;
        }
        out += " {" + sexpr(part.value.get());
        if (part.conversion) out += std::string("!") + part.conversion;
        if (part.formatSpec) out += ":" + sexpr(part.formatSpec.get());
        out += "}";
      }
      return out + ")";
    }
    default: return "?";
  }
}

// The value of the expression statement or assignment on the module's only line.
inline const ast::Expr* onlyExpr(const Parsed& p) {
  if (!p.module || p.module->body.size() != 1) return nullptr;
  const ast::Stmt* s = p.module->body[0].get();
  if (auto* e = ast::dynCast<ast::ExprStmt>(s)) return e->value.get();
  if (auto* a = ast::dynCast<ast::Assign>(s)) return a->value.get();
  return nullptr;
}

// sexpr of a single expression source line.
inline std::string exprOf(const std::string& source) {
  Parsed p = parse(source + "\n");
  if (!p.ok()) {
    std::string all;
    for (const std::string& m : p.messages()) all += m + "; ";
    return "<error: " + all + ">";
  }
  return sexpr(onlyExpr(p));
}

}  // namespace hel::test
