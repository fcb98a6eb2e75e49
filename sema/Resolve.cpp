#include "sema/Resolve.h"

#include <optional>
#include <vector>

#include "sema/Suggest.h"

namespace hel::sema {
namespace {

// The names one function (or the module) binds. Each maps to the module it
// stands for when every binding of it imports that one module (`import torch`,
// `import helion.language as hl`, `from torch import nn`); only then are its
// attributes checked, since any other binding could hold anything.
struct Scope {
  const Scope* parent = nullptr;
  std::map<std::string, std::optional<std::string>> names;

  void bind(const std::string& name, std::optional<std::string> module = std::nullopt) {
    auto [it, added] = names.emplace(name, module);
    if (!added && it->second != module) it->second = std::nullopt;
  }
};

class Resolver {
 public:
  Resolver(const KnownNames& known, DiagnosticEngine& diags) : known_(known), diags_(diags) {}

  unsigned run(const ast::Module& module) {
    unsigned before = diags_.errorCount();
    Scope globals;
    collectBindings(module.body, globals);
    walkBlock(module.body, globals);
    return diags_.errorCount() - before;
  }

 private:
  // ---- what a scope binds ----

  void bindTarget(const ast::Expr& target, Scope& scope) {
    if (auto* name = ast::dynCast<ast::Name>(&target)) scope.bind(name->id);
    else if (auto* tuple = ast::dynCast<ast::Tuple>(&target))
      for (const ast::ExprPtr& elt : tuple->elts) bindTarget(*elt, scope);
    else if (auto* list = ast::dynCast<ast::List>(&target))
      for (const ast::ExprPtr& elt : list->elts) bindTarget(*elt, scope);
    else if (auto* starred = ast::dynCast<ast::Starred>(&target))
      bindTarget(*starred->value, scope);
    // Subscripts and attributes store into an object; they bind no name.
  }

  // The statements of one scope, without descending into nested functions
  // (whose bodies are scopes of their own).
  void collectBindings(const ast::StmtList& body, Scope& scope) {
    for (const ast::StmtPtr& stmt : body) {
      switch (stmt->kind) {
        case ast::NodeKind::Assign:
          for (const ast::ExprPtr& target : ast::cast<ast::Assign>(*stmt).targets) bindTarget(*target, scope);
          break;
        case ast::NodeKind::AugAssign: bindTarget(*ast::cast<ast::AugAssign>(*stmt).target, scope); break;
        case ast::NodeKind::AnnAssign: bindTarget(*ast::cast<ast::AnnAssign>(*stmt).target, scope); break;
        case ast::NodeKind::FunctionDef: scope.bind(ast::cast<ast::FunctionDef>(*stmt).name); break;
        case ast::NodeKind::For: {
          const auto& loop = ast::cast<ast::For>(*stmt);
          bindTarget(*loop.target, scope);
          collectBindings(loop.body, scope);
          collectBindings(loop.orelse, scope);
          break;
        }
        case ast::NodeKind::While:
          collectBindings(ast::cast<ast::While>(*stmt).body, scope);
          collectBindings(ast::cast<ast::While>(*stmt).orelse, scope);
          break;
        case ast::NodeKind::If:
          collectBindings(ast::cast<ast::If>(*stmt).body, scope);
          collectBindings(ast::cast<ast::If>(*stmt).orelse, scope);
          break;
        case ast::NodeKind::Import:
          for (const ast::Alias& alias : ast::cast<ast::Import>(*stmt).names) {
            // `import a.b` binds `a`; `import a.b as c` binds `c` to a.b.
            std::string bound = alias.asname.empty() ? alias.name.substr(0, alias.name.find('.')) : alias.name;
            scope.bind(alias.asname.empty() ? bound : alias.asname, moduleNamed(bound));
          }
          break;
        case ast::NodeKind::ImportFrom: {
          const auto& node = ast::cast<ast::ImportFrom>(*stmt);
          for (const ast::Alias& alias : node.names) {
            if (alias.name == "*") {
              if (const auto* members = membersOf(node.module))
                for (const std::string& member : *members) scope.bind(member, moduleNamed(node.module + "." + member));
              continue;
            }
            scope.bind(alias.asname.empty() ? alias.name : alias.asname, moduleNamed(node.module + "." + alias.name));
          }
          break;
        }
        default: break;
      }
    }
  }

  // ---- what a scope reads ----

  void walkBlock(const ast::StmtList& body, const Scope& scope) {
    for (const ast::StmtPtr& stmt : body) walk(*stmt, scope);
  }

  void walk(const ast::Node& node, const Scope& scope) {
    switch (node.kind) {
      case ast::NodeKind::Name:
      case ast::NodeKind::Attribute: moduleOf(ast::cast<ast::Expr>(node), scope); return;
      case ast::NodeKind::FunctionDef: {
        // Decorators, annotations and defaults run in the enclosing scope.
        const auto& def = ast::cast<ast::FunctionDef>(node);
        for (const ast::ExprPtr& decorator : def.decorators) walk(*decorator, scope);
        walkParams(def.params, scope);
        if (def.returns) walk(*def.returns, scope);
        Scope local = functionScope(def.params, scope);
        collectBindings(def.body, local);
        walkBlock(def.body, local);
        return;
      }
      case ast::NodeKind::Lambda: {
        const auto& lambda = ast::cast<ast::Lambda>(node);
        walkParams(lambda.params, scope);
        Scope local = functionScope(lambda.params, scope);
        walk(*lambda.body, local);
        return;
      }
      case ast::NodeKind::Import:
        for (const ast::Alias& alias : ast::cast<ast::Import>(node).names) checkModule(alias.name, alias.range);
        return;
      case ast::NodeKind::ImportFrom: {
        const auto& import = ast::cast<ast::ImportFrom>(node);
        if (!checkModule(import.module, import.moduleRange)) return;
        for (const ast::Alias& alias : import.names)
          if (alias.name != "*") checkMember(import.module, alias.name, alias.range, diag::CannotImportName);
        return;
      }
      default: ast::forEachChild(node, [&](const ast::Node& child) { walk(child, scope); });
    }
  }

  void walkParams(const std::vector<ast::Param>& params, const Scope& scope) {
    for (const ast::Param& param : params) {
      if (param.annotation) walk(*param.annotation, scope);
      if (param.defaultValue) walk(*param.defaultValue, scope);
    }
  }

  static Scope functionScope(const std::vector<ast::Param>& params, const Scope& enclosing) {
    Scope local;
    local.parent = &enclosing;
    for (const ast::Param& param : params) local.bind(param.name);
    return local;
  }

  // Checks a name, or a chain of attributes on an imported module, and
  // returns the module it denotes (nullopt: not a module, or not known to be).
  std::optional<std::string> moduleOf(const ast::Expr& expr, const Scope& scope) {
    if (auto* name = ast::dynCast<ast::Name>(&expr)) return resolve(*name, scope);
    const auto& attribute = ast::cast<ast::Attribute>(expr);
    std::optional<std::string> owner;
    if (ast::isa<ast::Name>(*attribute.value) || ast::isa<ast::Attribute>(*attribute.value))
      owner = moduleOf(*attribute.value, scope);
    else
      walk(*attribute.value, scope);
    if (!owner || !checkMember(*owner, attribute.attr, attribute.attrRange, diag::UnknownModuleAttribute))
      return std::nullopt;
    return moduleNamed(*owner + "." + attribute.attr);
  }

  std::optional<std::string> resolve(const ast::Name& name, const Scope& scope) {
    for (const Scope* s = &scope; s; s = s->parent) {
      auto it = s->names.find(name.id);
      if (it != s->names.end()) return it->second;
    }
    // One error per unknown name: its other uses say nothing new.
    if (known_.builtins.count(name.id) || !unknownReported_.insert(name.id).second) return std::nullopt;
    std::vector<std::string> visible;
    for (const Scope* s = &scope; s; s = s->parent)
      for (const auto& entry : s->names) visible.push_back(entry.first);
    visible.insert(visible.end(), known_.builtins.begin(), known_.builtins.end());
    report(diags_.report(diag::UnknownName, name.range, name.id), closestName(name.id, visible));
    return std::nullopt;
  }

  bool checkModule(const std::string& module, SourceRange range) {
    if (moduleNamed(module)) return true;
    std::vector<std::string> modules;
    for (const auto& entry : known_.modules)
      if (entry.first[0] != '_') modules.push_back(entry.first);
    report(diags_.report(diag::UnknownModule, range, module, listModules(known_)), closestName(module, modules));
    return false;
  }

  // `module.member` (an attribute, or a `from module import member`).
  bool checkMember(const std::string& module, const std::string& member, SourceRange range, diag::Id id) {
    const std::set<std::string>* members = membersOf(module);
    if (!members || members->count(member)) return true;
    report(diags_.report(id, range, module, member),
           closestName(member, std::vector<std::string>(members->begin(), members->end())));
    return false;
  }

  static void report(DiagnosticBuilder&& error, const std::optional<std::string>& suggestion) {
    if (suggestion) error.note(diag::DidYouMean, {}, *suggestion);
  }

  std::optional<std::string> moduleNamed(const std::string& name) const {
    if (known_.modules.count(name)) return name;
    return std::nullopt;
  }

  const std::set<std::string>* membersOf(const std::string& module) const {
    auto it = known_.modules.find(module);
    return it == known_.modules.end() ? nullptr : &it->second;
  }

  const KnownNames& known_;
  DiagnosticEngine& diags_;
  std::set<std::string> unknownReported_;
};

}  // namespace

std::string listModules(const KnownNames& known) {
  std::string out;
  for (const auto& entry : known.modules)
    if (entry.first[0] != '_') out += (out.empty() ? "" : ", ") + entry.first;
  return out;
}

unsigned resolveNames(const ast::Module& module, const KnownNames& known, DiagnosticEngine& diags) {
  return Resolver(known, diags).run(module);
}

}  // namespace hel::sema
