// Where a tensor lives. Cuda tensors are, for now, host memory tagged cuda, so that the
// device rules (no mixing cpu and cuda operands) hold before a device backend exists.
// Meta tensors have a shape and a dtype but no storage: ops on them compute only the
// result's shape and dtype (`hel check`).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hel {

enum class DeviceKind { Cpu, Cuda, Meta };

struct Device {
  DeviceKind kind = DeviceKind::Cpu;
  int index = 0;  // which GPU; 0 elsewhere

  static Device cpu() { return {DeviceKind::Cpu, 0}; }
  static Device cuda(int index = 0) { return {DeviceKind::Cuda, index}; }
  static Device meta() { return {DeviceKind::Meta, 0}; }

  bool isCpu() const { return kind == DeviceKind::Cpu; }
  bool isCuda() const { return kind == DeviceKind::Cuda; }
  bool isMeta() const { return kind == DeviceKind::Meta; }

  // As str(torch.device) prints it: "cpu", "cuda:0", "meta".
  std::string str() const;
  // "cpu", "cuda", "cuda:1", "meta"; nullopt for anything else.
  static std::optional<Device> parse(std::string_view text);

  bool operator==(const Device& other) const { return kind == other.kind && index == other.index; }
  bool operator!=(const Device& other) const { return !(*this == other); }
};

}  // namespace hel
