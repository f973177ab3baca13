import Foundation

/// What one level of a network made of an input, or what its first layer looks for: `count` pictures of
/// `height` × `width` values, one after another (feature maps, kernels, or a row of neurons as 1 × n).
public struct Pictures: Equatable, Sendable, Encodable {
    /// The level as the notation writes it (`20C5`, `MP2`, `100N`), or a name.
    public let name: String
    public let count: Int
    public let height: Int
    public let width: Int
    public let values: [Float]

    init(name: String, count: Int, height: Int, width: Int, values: [Float]) {
        precondition(values.count == count * height * width)
        (self.name, self.count, self.height, self.width, self.values) = (name, count, height, width, values)
    }

    init(name: String, shape: FeatureShape, values: [Float]) {
        // A dense level of n neurons is one picture of 1 × n.
        self = shape.isFlat ? Pictures(name: name, count: 1, height: 1, width: shape.count, values: values)
            : Pictures(name: name, count: shape.channels, height: shape.height, width: shape.width, values: values)
    }
}

extension TrainedNetwork {
    /// What the first layer looks for, at most `limit` pictures: a convolution's kernels (on the first input
    /// channel), or the weights into each of a dense layer's neurons laid out as its square input (28 × 28).
    public func firstLayerPictures(limit: Int = 100) -> Pictures {
        switch self {
        case .dense(let network):
            let layer = network.layers[0]
            let side = Int(Double(layer.inputCount).squareRoot())
            let count = min(limit, layer.outputCount)
            let w = layer.rowMajorWeights
            let (height, width) = side * side == layer.inputCount ? (side, side) : (1, layer.inputCount)
            return Pictures(name: "\(layer.outputCount)N", count: count, height: height, width: width,
                            values: Array(w[0..<count * layer.inputCount]))
        case .layered(let stack):
            return stack.firstLayerPictures(limit: limit)
        }
    }

    /// What each level makes of `input`, in order: feature maps after each convolution's activation and each
    /// pooling, each hidden layer's neurons, and the output.
    public func levels(_ input: [Float]) -> [Pictures] {
        switch self {
        case .dense(let network):
            // The forward pass that reads digits, its levels kept.
            let inputs = SparseInputs(rows: [input])
            let workspace = Workspace(network, batchCapacity: 1)
            workspace.setInput(inputs[0], sample: 0)
            _ = workspace.forward(sample: 0)
            return network.layers.enumerated().map { l, layer in
                Pictures(name: "\(layer.outputCount)N", shape: FeatureShape(neurons: layer.outputCount),
                         values: Array(workspace.activations(level: l + 1, sample: 0)))
            }
        case .layered(let stack):
            return stack.levels(input)
        }
    }
}

extension LayerStack {
    /// The first convolution or dense layer (dropout or normalisation before it has no kernels to draw).
    func firstLayerPictures(limit: Int) -> Pictures {
        let first = layers.firstIndex { $0 is Convolution || $0 is FullyConnected } ?? 0
        let name = architecture.tokens.first {
            switch $0 {
            case .convolution, .dense: true
            case .maxPooling, .dropout, .batchNormalization: false
            }
        }.map(Architecture.notation) ?? ""
        let weights = parameters[offsets[first]...]
        switch layers[first] {
        case let convolution as Convolution:
            let (maps, k, channels) = (convolution.outputShape.channels, convolution.kernelSize, convolution.inputShape.channels)
            let count = min(limit, maps)
            let size = channels * k * k
            var values: [Float] = []
            for o in 0..<count { values += weights.dropFirst(o * size).prefix(k * k) }
            return Pictures(name: name, count: count, height: k, width: k, values: values)
        case let dense as FullyConnected:
            let (m, n) = (dense.outputShape.count, dense.inputShape.count)
            let count = min(limit, m)
            let shape = dense.inputShape
            let (height, width) = shape.isFlat ? (1, n) : (shape.height, shape.width)
            // The weights from the first input channel.
            var values: [Float] = []
            for j in 0..<count { values += weights.dropFirst(j * n).prefix(height * width) }
            return Pictures(name: name, count: count, height: height, width: width, values: values)
        default:
            return Pictures(name: name, count: 0, height: 1, width: 1, values: [])
        }
    }

    /// The output of every convolution's and dense layer's activation and of every pooling, named by its token.
    func levels(_ input: [Float]) -> [Pictures] {
        precondition(input.count == inputShape.count)
        let pass = StackPass(self, batchCapacity: 1)
        let outputs: [[Float]] = input.withUnsafeBufferPointer { input in
            parameters.withUnsafeBufferPointer { parameters in
                _ = pass.forward(input.baseAddress!, count: 1, parameters: parameters.baseAddress!, mode: .inference)
                return (0..<layers.count).map { Array(pass.output(of: $0)) }
            }
        }
        // Layers in order of the tokens: a convolution or dense token makes two (the layer, its activation).
        var pictures: [Pictures] = []
        var l = 0
        for token in architecture.tokens {
            switch token {
            case .convolution, .dense:
                pictures.append(Pictures(name: Architecture.notation(token), shape: layers[l + 1].outputShape, values: outputs[l + 1]))
                l += 2
            case .maxPooling:
                pictures.append(Pictures(name: Architecture.notation(token), shape: layers[l].outputShape, values: outputs[l]))
                l += 1
            case .dropout, .batchNormalization:
                l += 1
            }
        }
        return pictures
    }
}
