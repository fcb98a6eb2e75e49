#include "runtime/interp/LaunchTiming.h"

#include <cstring>

namespace hel::interp {
namespace {

// The bytes a pointer argument may reach: from its first element to its storage's end.
size_t reachBytes(const cpu::Argument& arg) { return static_cast<size_t>(arg.count) * itemSize(arg.dtype); }

bool overlaps(const cpu::Argument& a, const cpu::Argument& b) {
  auto* aBegin = static_cast<const std::byte*>(a.data);
  auto* bBegin = static_cast<const std::byte*>(b.data);
  return aBegin < bBegin + reachBytes(b) && bBegin < aBegin + reachBytes(a);
}

}  // namespace

bool mustRestore(const std::vector<bench::ParamUse>& uses, const std::vector<cpu::Argument>& args) {
  if (!bench::isRepeatable(uses)) return true;
  for (size_t w = 0; w < uses.size(); ++w) {
    if (!uses[w].writes) continue;
    for (size_t r = 0; r < uses.size(); ++r)
      if (r != w && uses[r].reads && overlaps(args[w], args[r])) return true;
  }
  return false;
}

bench::Timing timeRepeatedLaunch(const tir::Kernel& kernel, const std::vector<cpu::Argument>& args,
                                 bench::Clock& clock, const std::function<void()>& launch,
                                 const bench::Settings& settings) {
  std::vector<bench::ParamUse> uses = bench::paramUses(kernel);
  // Host copies: GPU tensors live in managed memory, which the host can read and write
  // once the GPU is idle; only kernels with atomics or in-place updates need them.
  std::vector<std::pair<const cpu::Argument*, std::vector<std::byte>>> saved;
  if (mustRestore(uses, args)) {
    clock.wait();
    for (size_t i = 0; i < uses.size(); ++i) {
      if (!uses[i].writes) continue;
      auto* data = static_cast<const std::byte*>(args[i].data);
      saved.emplace_back(&args[i], std::vector<std::byte>(data, data + reachBytes(args[i])));
    }
  }
  bench::Timing timing = bench::benchmark(clock, launch, settings);
  clock.wait();
  for (const auto& [arg, bytes] : saved) std::memcpy(arg->data, bytes.data(), bytes.size());
  return timing;
}

bench::LaunchCost launchCostOf(const tir::Kernel& ir, const std::vector<cpu::Argument>& args,
                               const std::vector<Tensor>& tensors) {
  std::vector<int64_t> paramBytes, paramInts;
  size_t tensor = 0;
  for (const cpu::Argument& arg : args) {
    bool pointer = arg.kind == cpu::Argument::Kind::Pointer;
    const Tensor* points = pointer ? &tensors.at(tensor++) : nullptr;
    paramBytes.push_back(points ? points->numel() * static_cast<int64_t>(itemSize(points->dtype())) : 0);
    paramInts.push_back(points ? 0 : arg.intValue);
  }
  return bench::launchCost(ir, paramBytes, paramInts);
}

bench::Row benchRow(const FirstLaunch& launch, const bench::Settings& settings) {
  bench::Row row;
  row.kernel = launch.kernel;
  row.line = launch.line;
  row.config = launch.config;
  for (size_t i = 0; i < launch.args.size(); ++i) {
    if (launch.args[i].kind != cpu::Argument::Kind::Pointer) continue;
    const Tensor& tensor = launch.tensors.at(row.tensors.size());
    std::string name = launch.ir.param(i)->nameHint();
    row.tensors.push_back({name.empty() ? "arg" + std::to_string(i) : name, tir::irName(tensor.dtype()), tensor.shape()});
  }
  row.cost = launchCostOf(launch.ir, launch.args, launch.tensors);
  row.timing = launch.time(settings);
  return row;
}

}  // namespace hel::interp
