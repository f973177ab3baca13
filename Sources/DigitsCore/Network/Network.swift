import Foundation

/// A fully connected feed-forward network of sigmoid neurons: Nielsen's network.py (chapter 1).
///
/// Layer `l` maps `sizes[l]` inputs a to `sizes[l + 1]` outputs σ(W a + b). All arithmetic is Float32.
public struct Network: Equatable, Sendable {
    public let layers: [Layer]

    /// Neurons per layer, the input layer first: `[784, 30, 10]` for Nielsen's network.
    public var sizes: [Int] { [layers[0].inputCount] + layers.map(\.outputCount) }
    public var inputCount: Int { layers[0].inputCount }
    public var outputCount: Int { layers[layers.count - 1].outputCount }

    public init(layers: [Layer]) {
        precondition(!layers.isEmpty, "a network needs at least one layer of weights")
        for (previous, next) in zip(layers, layers.dropFirst()) {
            precondition(previous.outputCount == next.inputCount, "layer sizes do not chain")
        }
        self.layers = layers
    }

    /// Weights and biases drawn from N(0, 1), biases first and then weights, in the order network.py draws them.
    public init(sizes: [Int], generator: inout SplitMix64) {
        precondition(sizes.count >= 2 && sizes.allSatisfy { $0 > 0 }, "invalid layer sizes \(sizes)")
        let biases = sizes.dropFirst().map { count in (0..<count).map { _ in Float(generator.nextGaussian()) } }
        let layers = zip(sizes, sizes.dropFirst()).enumerated().map { l, shape in
            let (inputs, outputs) = shape
            // Drawn row by row of W (outputs × inputs), as numpy fills randn(y, x).
            let w = (0..<inputs * outputs).map { _ in Float(generator.nextGaussian()) }
            return Layer(inputCount: inputs, outputCount: outputs, rowMajorWeights: w, biases: biases[l])
        }
        self.init(layers: layers)
    }

    /// True when every weight and bias is a finite number.
    public var isFinite: Bool {
        layers.allSatisfy { $0.weights.allSatisfy(\.isFinite) && $0.biases.allSatisfy(\.isFinite) }
    }

    /// The output activations for one input of `inputCount` values.
    public func feedForward(_ input: [Float]) -> [Float] {
        precondition(input.count == inputCount, "input has \(input.count) values, the network takes \(inputCount)")
        let workspace = Workspace(self, batchCapacity: 1)
        input.withUnsafeBufferPointer { workspace.loadInput($0, sample: 0) }
        return Array(workspace.forward(sample: 0))
    }

    /// The class the network picks for each image of `data`, whose images must have `inputCount` pixels.
    public func classify(_ data: LabeledImages) -> [Int] {
        precondition(data.pixelsPerImage == inputCount, "images have \(data.pixelsPerImage) pixels, the network takes \(inputCount)")
        let workspace = Workspace(self, batchCapacity: 1)
        return data.pixels.withUnsafeBufferPointer { pixels in
            (0..<data.count).map { i in
                workspace.loadInput(pixels: UnsafeBufferPointer(rebasing: pixels[i * inputCount..<(i + 1) * inputCount]), sample: 0)
                return argmax(workspace.forward(sample: 0))
            }
        }
    }

    /// How many images of `data` the network classifies as their label.
    public func correctCount(on data: LabeledImages) -> Int {
        zip(classify(data), data.labels).count { $0 == Int($1) }
    }
}

extension Network {
    public struct Layer: Equatable, Sendable {
        public let inputCount: Int
        public let outputCount: Int
        /// Wᵀ, input-major: `weights[k * outputCount + j]` is W[j][k], the weight from input k to neuron j.
        /// Stored transposed so that W a (over nonzero inputs a_k) and Wᵀ δ both run along contiguous rows.
        public let weights: [Float]
        public let biases: [Float]

        init(inputCount: Int, outputCount: Int, transposedWeights: [Float], biases: [Float]) {
            precondition(transposedWeights.count == inputCount * outputCount && biases.count == outputCount,
                         "layer shape mismatch")
            self.inputCount = inputCount
            self.outputCount = outputCount
            self.weights = transposedWeights
            self.biases = biases
        }

        /// A layer from W as the book writes it, `outputCount` rows of `inputCount` weights.
        public init(inputCount: Int, outputCount: Int, rowMajorWeights w: [Float], biases: [Float]) {
            precondition(w.count == inputCount * outputCount && biases.count == outputCount, "layer shape mismatch")
            var transposed = [Float](repeating: 0, count: w.count)
            for j in 0..<outputCount {
                for k in 0..<inputCount { transposed[k * outputCount + j] = w[j * inputCount + k] }
            }
            self.init(inputCount: inputCount, outputCount: outputCount, transposedWeights: transposed, biases: biases)
        }

        /// W as the book writes it: `outputCount` rows of `inputCount` weights.
        public var rowMajorWeights: [Float] {
            var w = [Float](repeating: 0, count: weights.count)
            for k in 0..<inputCount {
                for j in 0..<outputCount { w[j * inputCount + k] = weights[k * outputCount + j] }
            }
            return w
        }
    }
}

@inline(__always)
func sigmoid(_ z: Float) -> Float {
    // exp(-z) overflows to +inf for z < -88, and 1 / (1 + inf) is exactly 0: no NaN for any finite z.
    1 / (1 + exp(-z))
}

/// Index of the first largest value.
func argmax(_ values: UnsafeBufferPointer<Float>) -> Int {
    var best = 0
    for i in values.indices where values[i] > values[best] { best = i }
    return best
}

func argmax(_ values: [Float]) -> Int {
    values.withUnsafeBufferPointer { argmax($0) }
}
