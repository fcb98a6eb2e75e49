#include "cli/Version.h"

#include <fmt/format.h>
#include <llvm/Config/llvm-config.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Support/TargetSelect.h>

#include "antlr4-runtime.h"

namespace hel::cli {

std::string versionText() {
  // Lists the code-generation targets linked into this binary, which proves
  // the static LLVM link that lets `hel` be copied to a GPU machine alone.
  LLVMInitializeNVPTXTargetInfo();
  std::string targets;
  for (const llvm::Target& target : llvm::TargetRegistry::targets()) {
    if (!targets.empty()) targets += ", ";
    targets += target.getName();
  }
  return fmt::format("hel {}\nLLVM {} (targets: {}), ANTLR runtime {}", HEL_VERSION,
                     LLVM_VERSION_STRING, targets, antlr4::RuntimeMetaData::VERSION);
}

}  // namespace hel::cli
