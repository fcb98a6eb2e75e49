#include "runtime/Device.h"

#include <charconv>

namespace hel {

std::string Device::str() const {
  switch (kind) {
    case DeviceKind::Cpu: return "cpu";
    case DeviceKind::Cuda: return "cuda:" + std::to_string(index);
    case DeviceKind::Meta: return "meta";
  }
  return "cpu";
}

std::optional<Device> Device::parse(std::string_view text) {
  if (text == "cpu") return cpu();
  if (text == "meta") return meta();
  if (text == "cuda") return cuda();
  constexpr std::string_view kCuda = "cuda:";
  if (text.substr(0, kCuda.size()) != kCuda) return std::nullopt;
  std::string_view digits = text.substr(kCuda.size());
  int index = 0;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
  if (digits.empty() || error != std::errc() || end != digits.data() + digits.size() || index < 0) return std::nullopt;
  return cuda(index);
}

}  // namespace hel
