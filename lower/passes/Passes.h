// The tile IR passes, one per file in this folder; Pipeline.cpp lists them in order.
#pragma once

#include "lower/IR.h"

namespace hel::tir {

void canonicalize(Module& module);
void eliminateMasks(Module& module);
void eliminateCommonSubexpressions(Module& module);
void hoistLoopInvariants(Module& module);
void pipelineLoads(Module& module);
void transposeTransposedLoads(Module& module);
void eliminateDeadCode(Module& module);

}  // namespace hel::tir
