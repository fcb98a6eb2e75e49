// The driver of backend/nvptx: a kernel's LLVM module (KernelCodegen), then
// LLVM's O3 pipeline and the NVPTX target to PTX.
#include "backend/nvptx/Codegen.h"

#include <fmt/format.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Verifier.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/Target/TargetOptions.h>
#include <llvm/TargetParser/Triple.h>

#include <map>
#include <mutex>

#include "backend/nvptx/KernelCodegen.h"
#include "support/PtxNotes.h"

namespace hel::nvptx {
namespace {

constexpr const char* kTriple = "nvptx64-nvidia-cuda";

// ---- LLVM ------------------------------------------------------------------------------

// One TargetMachine per thread and arch: code generation writes to it (the
// NVPTX instruction selector keeps state there), so threads compiling kernels
// in parallel (hel tune) must not share one.
llvm::TargetMachine& targetMachine(const std::string& arch) {
  static std::once_flag initialized;
  std::call_once(initialized, [] {
    LLVMInitializeNVPTXTargetInfo();
    LLVMInitializeNVPTXTarget();
    LLVMInitializeNVPTXTargetMC();
    LLVMInitializeNVPTXAsmPrinter();
  });
  thread_local std::map<std::string, std::unique_ptr<llvm::TargetMachine>> machines;
  auto it = machines.find(arch);
  if (it != machines.end()) return *it->second;
  std::string error;
  const llvm::Target* target = llvm::TargetRegistry::lookupTarget(kTriple, error);
  if (!target) throw std::runtime_error("LLVM has no NVPTX target: " + error);
  llvm::TargetOptions options;
  auto* machine = target->createTargetMachine(kTriple, arch, "+ptx80", options, std::nullopt, std::nullopt,
                                              llvm::CodeGenOptLevel::Aggressive);
  return *machines.emplace(arch, std::unique_ptr<llvm::TargetMachine>(machine)).first->second;
}

struct Built {
  std::unique_ptr<llvm::LLVMContext> context;
  std::unique_ptr<llvm::Module> module;
  int64_t threads;
  int64_t sharedBytes;
  std::vector<TensorMap> tensorMaps;
  int ptxasOptimization;
};

Built build(const tir::Kernel& kernel, const Target& target) {
  Built built;
  built.context = std::make_unique<llvm::LLVMContext>();
  built.module = std::make_unique<llvm::Module>(kernel.name, *built.context);
  built.module->setTargetTriple(kTriple);
  llvm::TargetMachine& machine = targetMachine(target.arch);
  built.module->setDataLayout(machine.createDataLayout());
  KernelCodegen codegen(kernel, *built.module, target);
  codegen.emit();
  built.threads = codegen.threads();
  built.sharedBytes = codegen.sharedBytes();
  built.tensorMaps = codegen.tensorMaps();
  built.ptxasOptimization = codegen.ptxasOptimization();
  std::string problems;
  llvm::raw_string_ostream stream(problems);
  if (llvm::verifyModule(*built.module, &stream))
    throw std::logic_error("internal compiler error: invalid LLVM IR for kernel " + kernel.name + ": " + problems);
  return built;
}

// Optimizes `built` (the IR KernelCodegen writes is straightforward, not fast).
void optimize(Built& built, const Target& target) {
  llvm::TargetMachine& machine = targetMachine(target.arch);
  llvm::LoopAnalysisManager loops;
  llvm::FunctionAnalysisManager functions;
  llvm::CGSCCAnalysisManager cgscc;
  llvm::ModuleAnalysisManager modules;
  llvm::PassBuilder passes(&machine);
  passes.registerModuleAnalyses(modules);
  passes.registerCGSCCAnalyses(cgscc);
  passes.registerFunctionAnalyses(functions);
  passes.registerLoopAnalyses(loops);
  passes.crossRegisterProxies(loops, functions, cgscc, modules);
  passes.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3).run(*built.module, modules);
}

// PTX comment lines saying what each tensor-map parameter maps, for `hel emit --ptx`.
std::string describeTensorMaps(const tir::Kernel& kernel, const std::vector<TensorMap>& maps) {
  std::string text;
  for (size_t i = 0; i < maps.size(); ++i) {
    const TensorMap& map = maps[i];
    const tir::Value* tensor = kernel.param(static_cast<size_t>(map.pointerParam));
    std::string rows = map.rows >= (1ull << 31) - 1 ? "any number of" : std::to_string(map.rows);
    text += fmt::format(
        "// hel: parameter {} is a TMA tensor map of %{}: {} rows of {} {} elements, {} bytes apart; boxes of {} x {}, "
        "{}-byte swizzle\n",
        kernel.numParams() + i, tensor->nameHint().empty() ? std::to_string(map.pointerParam) : tensor->nameHint(), rows,
        map.columns, tir::irName(map.dtype), map.rowStrideBytes, map.boxRows, map.boxColumns, map.swizzleBytes);
  }
  return text;
}

}  // namespace

std::string emitLLVM(const tir::Kernel& kernel, const Target& target) {
  Built built = build(kernel, target);
  optimize(built, target);
  std::string text;
  llvm::raw_string_ostream stream(text);
  built.module->print(stream, nullptr);
  return text;
}

Ptx emitPTX(const tir::Kernel& kernel, const Target& target, std::optional<int64_t> sharedLimit) {
  Built built = build(kernel, target);
  Ptx ptx;
  ptx.entry = kernel.name;
  ptx.threads = built.threads;
  ptx.sharedBytes = built.sharedBytes;
  ptx.tensorMaps = built.tensorMaps;
  // Optimizing and emitting take nearly all of the time; a kernel over the limit is
  // known before either.
  if (sharedLimit && built.sharedBytes > *sharedLimit) return ptx;
  optimize(built, target);
  llvm::SmallString<0> buffer;
  llvm::raw_svector_ostream stream(buffer);
  llvm::legacy::PassManager passes;
  if (targetMachine(target.arch).addPassesToEmitFile(passes, stream, nullptr, llvm::CodeGenFileType::AssemblyFile))
    throw std::runtime_error("LLVM cannot emit PTX for " + target.arch);
  passes.run(*built.module);
  std::string header = describeTensorMaps(kernel, ptx.tensorMaps);
  if (built.ptxasOptimization != kDefaultPtxasOptimization)
    header += fmt::format("{}{} (blocked FMA dots keep their registers' banks: backend/nvptx/FmaDot.cpp)\n",
                          kPtxasOptimizationNote, built.ptxasOptimization);
  ptx.text = header + std::string(buffer.str());
  return ptx;
}

}  // namespace hel::nvptx
