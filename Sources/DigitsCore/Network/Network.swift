import Foundation

/// A fully connected feed-forward network: Nielsen's network.py (chapter 1), with each layer's activation
/// (sigmoid or identity) and biases (on or off) its own, so that the small networks of the tutorials digits
/// grew from are networks too.
///
/// Layer `l` maps `sizes[l]` inputs a to `sizes[l + 1]` outputs f(W a + b). All arithmetic is Float32.
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
        precondition(layers.dropLast().allSatisfy { $0.activation != .softmax }, "softmax is an output layer")
        self.layers = layers
    }

    /// Nielsen's chapter-1 network: sigmoid neurons, weights and biases drawn from N(0, 1).
    public init(sizes: [Int], generator: inout SplitMix64) {
        self.init(sizes: sizes, hidden: .sigmoid, output: .sigmoid, initialization: .standardNormal, generator: &generator)
    }

    /// A network of `hidden` neurons with an `output` layer, its parameters drawn as `initialization` says:
    /// biases first and then weights, layer by layer, in the order network.py draws them.
    public init(sizes: [Int], hidden: Activation, output: Activation, initialization: Initialization,
                generator: inout SplitMix64) {
        precondition(sizes.count >= 2 && sizes.allSatisfy { $0 > 0 }, "invalid layer sizes \(sizes)")
        precondition(hidden != .softmax, "softmax is an output layer")
        let biases = sizes.dropFirst().map { count in
            (0..<count).map { _ in initialization == .he ? 0 : Float(generator.nextGaussian()) }
        }
        let layers = zip(sizes, sizes.dropFirst()).enumerated().map { l, shape in
            let (inputs, outputs) = shape
            let deviation = initialization.weightDeviation(inputs: inputs)
            // Drawn row by row of W (outputs × inputs), as numpy fills randn(y, x).
            let w = (0..<inputs * outputs).map { _ in Float(generator.nextGaussian() * deviation) }
            return Layer(inputCount: inputs, outputCount: outputs, rowMajorWeights: w, biases: biases[l],
                         activation: l == sizes.count - 2 ? output : hidden)
        }
        self.init(layers: layers)
    }

    /// The cost of one input's outputs against `target`: ½‖a − y‖² or the cross-entropy (see `Cost`).
    public func cost(_ input: [Float], target: [Float], _ cost: Cost = .quadratic) -> Float {
        precondition(target.count == outputCount, "target has \(target.count) values, the network gives \(outputCount)")
        return cost.value(feedForward(input), target, output: layers[layers.count - 1].activation)
    }

    /// The network after one step of gradient descent on `batch` taken as one mini-batch:
    /// W ← W − (η/m) Σ ∇W and b ← b − (η/m) Σ ∇b, network.py's update_mini_batch. A batch of one sample is
    /// stochastic gradient descent; the whole data set is plain (full-batch) gradient descent.
    public func descended(on batch: [(input: [Float], target: [Float])], learningRate eta: Float,
                          cost: Cost = .quadratic) -> Network {
        precondition(!batch.isEmpty && batch.allSatisfy { $0.target.count == outputCount })
        let inputs = SparseInputs(rows: batch.map(\.input))
        let workspace = Workspace(self, batchCapacity: batch.count)
        for (s, sample) in batch.enumerated() {
            workspace.setInput(inputs[s], sample: s)
            _ = workspace.forward(sample: s)
            sample.target.withUnsafeBufferPointer { workspace.backward(sample: s, target: $0.baseAddress!, cost: cost) }
        }
        workspace.descend(sampleCount: batch.count, step: .init(learningRate: eta))
        return workspace.network
    }

    /// True when every weight and bias is a finite number.
    public var isFinite: Bool {
        layers.allSatisfy { $0.weights.allSatisfy(\.isFinite) && $0.biases.allSatisfy(\.isFinite) }
    }

    /// The output activations for one input of `inputCount` values.
    public func feedForward(_ input: [Float]) -> [Float] {
        feedForwardFunction()(input)
    }

    /// `feedForward` as a function that lays out the network in a workspace once and reuses it for every input.
    func feedForwardFunction() -> ([Float]) -> [Float] {
        let workspace = Workspace(self, batchCapacity: 1)
        return { [inputCount] input in
            precondition(input.count == inputCount, "input has \(input.count) values, the network takes \(inputCount)")
            let inputs = SparseInputs(rows: [input])
            workspace.setInput(inputs[0], sample: 0)
            return Array(workspace.forward(sample: 0))
        }
    }

    /// The class picked for each input, the second half on another core (classifying writes nothing shared), or
    /// with `oneCore` all on this thread, for a caller that already keeps the other core busy.
    func classify(_ inputs: SparseInputs, oneCore: Bool = false) -> [Int] {
        precondition(inputs.width == inputCount, "inputs have \(inputs.width) values, the network takes \(inputCount)")
        if oneCore { return classify(inputs, 0..<inputs.count) }
        let half = inputs.count / 2
        let second = Background { [self] in classify(inputs, half..<inputs.count) }
        return classify(inputs, 0..<half) + second.result()
    }

    private func classify(_ inputs: SparseInputs, _ range: Range<Int>) -> [Int] {
        let workspace = Workspace(self, batchCapacity: 1)
        return range.map { i in
            workspace.setInput(inputs[i], sample: 0)
            return argmax(workspace.forward(sample: 0))
        }
    }

    func correctCount(on inputs: SparseInputs, labels: [UInt8], oneCore: Bool = false) -> Int {
        zip(classify(inputs, oneCore: oneCore), labels).count { $0 == Int($1) }
    }
}

extension Network {
    /// What a layer does to z = W a + b.
    public enum Activation: UInt8, Sendable, CaseIterable {
        /// σ(z) = 1 / (1 + e^−z), the book's neuron.
        case sigmoid = 1
        /// z itself: a linear neuron.
        case identity = 2
        /// max(0, z), the rectified linear unit.
        case relu = 3
        /// e^z_j / Σ_k e^z_k over the layer: outputs that sum to 1 (Nielsen, chapter 3). Output layers only.
        case softmax = 4
    }

    /// How initial weights and biases are drawn.
    public enum Initialization: UInt8, Sendable, CaseIterable {
        /// Weights and biases from N(0, 1): network.py.
        case standardNormal = 1
        /// Weights from N(0, 1/n_in), biases from N(0, 1), n_in the inputs of the neuron: network2.py's default,
        /// which keeps z small enough that sigmoid neurons do not start saturated.
        case scaled = 2
        /// Weights from N(0, 2/n_in), biases 0 (He et al. 2015): the scaled draw for ReLU neurons, which pass on
        /// half of their inputs' variance.
        case he = 3

        func weightDeviation(inputs: Int) -> Double {
            switch self {
            case .standardNormal: 1
            case .scaled: (1 / Double(inputs)).squareRoot()
            case .he: (2 / Double(inputs)).squareRoot()
            }
        }
    }

    public struct Layer: Equatable, Sendable {
        public let inputCount: Int
        public let outputCount: Int
        public let activation: Activation
        /// False for a layer without biases: `biases` are then all 0 and training leaves them so.
        public let hasBiases: Bool
        /// Wᵀ, input-major: `weights[k * outputCount + j]` is W[j][k], the weight from input k to neuron j.
        /// Stored transposed so that W a (over nonzero inputs a_k) and Wᵀ δ both run along contiguous rows.
        public let weights: [Float]
        public let biases: [Float]

        init(inputCount: Int, outputCount: Int, transposedWeights: [Float], biases: [Float]?,
             activation: Activation = .sigmoid) {
            precondition(transposedWeights.count == inputCount * outputCount && (biases?.count ?? outputCount) == outputCount,
                         "layer shape mismatch")
            self.inputCount = inputCount
            self.outputCount = outputCount
            self.weights = transposedWeights
            self.biases = biases ?? Array(repeating: 0, count: outputCount)
            self.hasBiases = biases != nil
            self.activation = activation
        }

        /// A layer from W as the book writes it, `outputCount` rows of `inputCount` weights; `biases` nil for a
        /// layer without them.
        public init(inputCount: Int, outputCount: Int, rowMajorWeights w: [Float], biases: [Float]?,
                    activation: Activation = .sigmoid) {
            precondition(w.count == inputCount * outputCount, "layer shape mismatch")
            var transposed = [Float](repeating: 0, count: w.count)
            for j in 0..<outputCount {
                for k in 0..<inputCount { transposed[k * outputCount + j] = w[j * inputCount + k] }
            }
            self.init(inputCount: inputCount, outputCount: outputCount, transposedWeights: transposed, biases: biases,
                      activation: activation)
        }

        /// A layer from the rows of W (one row of input weights per neuron), as tutorials write them.
        public init(weights rows: [[Float]], biases: [Float]?, activation: Activation) {
            precondition(!rows.isEmpty && rows.allSatisfy { $0.count == rows[0].count }, "ragged weights")
            self.init(inputCount: rows[0].count, outputCount: rows.count, rowMajorWeights: rows.flatMap { $0 },
                      biases: biases, activation: activation)
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

/// σ(z) = 1 / (1 + e^−z), a chunk at a time.
///
/// e^x as in Cephes' expf: x = n ln 2 + r with |r| ≤ ½ ln 2, e^r by a polynomial whose relative error is about
/// Float32's rounding, and 2^n written straight into the exponent bits. x = −z is first clamped to
/// [−87.3, 88.37], where e^x stays finite and 2^n normal, so σ is finite for every z: exactly what 1 / (1 + e^−z)
/// gives for |z| < 87, and within 4e-39 of 0 or 1e-7 of 1 beyond.
@inline(__always)
func sigmoid(_ z: Chunk) -> Chunk {
    typealias V = Chunk
    // (`clamped` and Float-to-Int conversions of SIMD values are not inlined; these spellings compile to a few
    // vector instructions.)
    var x = -z
    x.replace(with: V(repeating: -87.3), where: x .< -87.3)
    x.replace(with: V(repeating: 88.376_262_664_794_9), where: x .> 88.376_262_664_794_9)
    // Adding 1.5 × 2^23 rounds x log₂e to the nearest integer n and leaves n in the low mantissa bits.
    let magic = V(repeating: 0x1.8p23)
    let shifted = (x * 1.442_695_040_888_963_4) + magic
    let n = shifted - magic
    x = x.plusProduct(n, V(repeating: -0.693_359_375))      // ln 2 in two parts, so n ln 2 is exact enough
    x = x.plusProduct(n, V(repeating: 2.121_944_4e-4))
    var p = V(repeating: 1.987_569_15e-4)
    p = V(repeating: 1.398_199_950_7e-3).plusProduct(p, x)
    p = V(repeating: 8.333_451_907_3e-3).plusProduct(p, x)
    p = V(repeating: 4.166_579_589_4e-2).plusProduct(p, x)
    p = V(repeating: 1.666_666_545_9e-1).plusProduct(p, x)
    p = V(repeating: 5.000_000_120_1e-1).plusProduct(p, x)
    let er = (x + 1).plusProduct(p, x * x)                   // e^r = 1 + r + r² p(r)
    let exponent = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- unsafeBitCast(magic, to: SIMD16<Int32>.self)
    let twoToN = unsafeBitCast((exponent &+ 127) &<< 23, to: V.self)
    return 1 / (1 + er * twoToN)
}

/// Index of the first largest value.
func argmax(_ values: UnsafeBufferPointer<Float>) -> Int {
    var best = 0
    for i in values.indices where values[i] > values[best] { best = i }
    return best
}

/// Index of the first largest value: the class a network's outputs pick.
public func argmax(_ values: [Float]) -> Int {
    values.withUnsafeBufferPointer { argmax($0) }
}
