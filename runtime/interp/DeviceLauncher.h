// Compiles and runs a kernel's device loops. The interpreter calls launch()
// when the host part of a kernel reaches `for ... in hl.tile(...)`: the loop is
// lowered to tile IR (lower/, with sema/'s rules) for the host values it uses,
// optimized, and run on a backend; compiled loops are cached by specialization,
// so a second call with the same argument types does no compilation.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "parser/Ast.h"
#include "runtime/interp/Interpreter.h"

namespace hel::interp {

struct KernelCall;

class DeviceLauncher {
 public:
  DeviceLauncher();
  ~DeviceLauncher();
  void launch(Interpreter& interp, const ast::For& loop, const std::shared_ptr<Scope>& scope, KernelCall& call);

  // How many device loops were compiled (not found in the cache).
  int compilations = 0;

  // One device loop specialization, lowered and compiled.
  struct Compiled;

 private:
  std::map<std::string, std::unique_ptr<Compiled>> cache_;
};

}  // namespace hel::interp
