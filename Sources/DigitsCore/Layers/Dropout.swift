import Foundation

/// Dropout (Srivastava et al. 2014): while training, each value is kept with probability 1 − p and otherwise set
/// to 0, afresh for every sample; while reading, every value passes unchanged.
///
/// Inverted dropout: kept values are scaled by 1 / (1 − p) while training, so that each value's expectation is
/// the same in both modes and reading needs no change. (network3.py instead scales the weights after a dropout
/// layer by 1 − p when reading; the two give the same expectations.) Input and output: any shape, the same.
struct Dropout: StackLayer {
    let inputShape: FeatureShape
    /// p, the probability of dropping a value: in [0, 1).
    let rate: Float

    init(input: FeatureShape, rate: Float) {
        precondition(rate >= 0 && rate < 1, "dropout rate outside [0, 1)")
        inputShape = input
        self.rate = rate
    }

    var outputShape: FeatureShape { inputShape }
    /// Per value, what it was multiplied by: 0 or 1 / (1 − p).
    var memoryCount: Int { inputShape.count }

    func forward(_ pass: LayerPass, mode: PassMode) {
        let n = inputShape.count
        guard case .training(let seed) = mode else {
            pass.output.update(from: pass.input, count: pass.count * n)
            return
        }
        let scale = 1 / (1 - rate)
        for s in 0..<pass.count {
            // Each sample's mask is drawn from its own generator, so it does not depend on which thread runs it.
            var generator = SplitMix64(seed: seed &+ UInt64(pass.firstSample + s) &* 0x9E37_79B9_7F4A_7C15)
            let mask = pass.memory + s * n
            for v in 0..<n { mask[v] = generator.nextUnit() < Double(rate) ? 0 : scale }
            for v in 0..<n { pass.output[s * n + v] = pass.input[s * n + v] * mask[v] }
        }
    }

    func backward(_ pass: LayerPass, outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?,
                  parameterGradient: UnsafeMutablePointer<Float>) {
        // output = input · mask: ∂C/∂input = ∂C/∂output · mask.
        guard let inputGradient else { return }
        for v in 0..<pass.count * inputShape.count { inputGradient[v] = outputGradient[v] * pass.memory[v] }
    }
}

extension Dropout {
    /// Inverted dropout leaves reading unchanged: nothing to write.
    var exported: ExportedLayer { ExportedLayer() }
}
