// NumPy .npy files, for hl.load_npy / hl.save_npy and reference-data cases.
// Reads format versions 1.0, 2.0 and 3.0, C and Fortran order, either byte order, and
// every dtype of support/DType.h (bfloat16 under the descr 'bfloat16', as ml_dtypes
// names it). Writes version 1.0 (2.0 if the header needs it), little-endian, C order.
// Errors name the file and what is wrong:
//   cannot read 'data/x.npy': file is truncated: expected 32768 bytes of data, found 100
#pragma once

#include <string>

#include "runtime/Tensor.h"

namespace hel {

// The result is contiguous (a Fortran-order array is transposed into C order).
Tensor loadNpy(const std::string& path, Device device = Device::cpu());
void saveNpy(const std::string& path, const Tensor& tensor);

}  // namespace hel
