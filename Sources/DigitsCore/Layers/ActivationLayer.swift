import Foundation

/// A neuron's nonlinearity applied to every value: a = f(z), the same shape in and out, no parameters.
/// Sigmoid, ReLU and identity act value by value; softmax acts on a sample's values together, so that they sum
/// to 1 (an output layer's).
struct ActivationLayer: StackLayer {
    let inputShape: FeatureShape
    let function: Network.Activation

    init(input: FeatureShape, function: Network.Activation) {
        inputShape = input
        self.function = function
    }

    var outputShape: FeatureShape { inputShape }

    func forward(_ pass: LayerPass, mode: PassMode) {
        let n = inputShape.count
        let (z, a) = (pass.input, pass.output)
        switch function {
        case .sigmoid: for v in 0..<pass.count * n { a[v] = 1 / (1 + Foundation.exp(-z[v])) }
        case .relu: for v in 0..<pass.count * n { a[v] = max(0, z[v]) }
        case .identity: a.update(from: z, count: pass.count * n)
        case .softmax:
            a.update(from: z, count: pass.count * n)
            for s in 0..<pass.count { softmax(a + s * n, count: n, stride: n) }
        }
    }

    /// ∂C/∂z from ∂C/∂a and the outputs a: f′(z) written in terms of a.
    func backward(_ pass: LayerPass, outputGradient g: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?,
                  parameterGradient: UnsafeMutablePointer<Float>) {
        guard let delta = inputGradient else { return }
        let n = inputShape.count
        let a = UnsafePointer(pass.output)
        switch function {
        case .sigmoid: for v in 0..<pass.count * n { delta[v] = g[v] * a[v] * (1 - a[v]) }
        case .relu: for v in 0..<pass.count * n { delta[v] = a[v] > 0 ? g[v] : 0 }
        case .identity: delta.update(from: g, count: pass.count * n)
        case .softmax:
            for s in 0..<pass.count {
                // ∂a_j/∂z_i = a_j (1[i = j] − a_i), so ∂C/∂z_i = a_i (g_i − Σ_j g_j a_j).
                let (gs, as_, ds) = (g + s * n, a + s * n, delta + s * n)
                var weighted: Float = 0
                for v in 0..<n { weighted += gs[v] * as_[v] }
                for v in 0..<n { ds[v] = as_[v] * (gs[v] - weighted) }
            }
        }
    }
}

extension ActivationLayer {
    var exported: ExportedLayer {
        switch function {
        case .sigmoid: ExportedLayer(operators: [.init(type: "Sigmoid")])
        case .relu: ExportedLayer(operators: [.init(type: "Relu")])
        // Over the last axis, opset 13's default: the neurons of a dense output layer.
        case .softmax: ExportedLayer(operators: [.init(type: "Softmax", takesFlatInput: true)])
        case .identity: ExportedLayer()
        }
    }
}
