// Static name resolution of a script, before anything runs: every name a
// script reads must be bound somewhere it can see, every `import` must name a
// module that exists, and every `m.x` / `from m import x` on an imported module
// must name one of its members. Each mistake is one located error (all of
// them in one pass; an unknown name at its first use only); a close known
// name is offered as a `did you mean` note.
//
// Python's scoping applies: a name bound anywhere in a function (assignment,
// `for` target, `def`, `import`, parameter) is local to the whole function;
// lambdas and nested defs see the enclosing functions' names, then the
// module's, then the builtins. A module-level name counts wherever it is
// bound, so functions may use names the module defines after them.
#pragma once

#include <map>
#include <set>
#include <string>

#include "parser/Ast.h"
#include "support/Diagnostics.h"

namespace hel::sema {

// What a script can reach without defining it. The host interpreter describes
// its own world this way (Interpreter::knownNames), so that sema does not
// depend on it.
struct KnownNames {
  // Visible everywhere: Python's builtins and the harness functions.
  std::set<std::string> builtins;
  // Every importable module, with the names of its members. A submodule is a
  // member of its parent and a module of its own ("torch" holds "nn"; "torch.nn"
  // is a key). Modules whose names start with '_' are internal: importable,
  // but not listed in messages.
  std::map<std::string, std::set<std::string>> modules;
};

// "helion, helion.language, math, ...": the modules a message may offer.
std::string listModules(const KnownNames& known);

// Reports every unresolved name, module and module member in `module`;
// returns how many errors it reported.
unsigned resolveNames(const ast::Module& module, const KnownNames& known, DiagnosticEngine& diags);

}  // namespace hel::sema
