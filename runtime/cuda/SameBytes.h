// Whether two stretches of GPU memory hold the same bytes, decided on the GPU. The tuner
// checks every candidate's output against the baseline's with it first: most candidates
// write bit-identical results, and comparing them where they lie avoids moving a
// gigabyte of managed memory to the host and back per candidate.
#pragma once

#include <cstddef>

#include "runtime/cuda/CudaDevice.h"

namespace hel::cuda {

// `a` and `b` are GPU memory (device or managed) aligned to 4 bytes. Waits for the GPU;
// throws CudaError as synchronize() does.
bool sameBytes(CudaDevice& device, const void* a, const void* b, size_t bytes);

}  // namespace hel::cuda
