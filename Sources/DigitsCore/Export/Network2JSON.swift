import Foundation

// The JSON that network2.py (Nielsen, chapter 3) saves and loads:
//
//   {"sizes": [784, 30, 10],
//    "weights": [W_1, W_2, ...],   W_l: sizes[l] rows of sizes[l-1] numbers (the book's W, [out][in])
//    "biases": [b_1, b_2, ...],    b_l: sizes[l] rows of one number each ([out][1], numpy column vectors)
//    "cost": "QuadraticCost" or "CrossEntropyCost"}
//
// Its networks have sigmoid neurons only. Numbers are written as the float64 that each float32 weight is
// exactly, so a network read back into float32 is bit for bit the one written.

public enum Network2JSON {
    /// Largest file read: 64 MiB holds a [784, 2000, 10] network at full precision; the parsed numbers then take
    /// at most a few hundred MB.
    public static let maximumFileSize = 64 << 20
    static let costNames: [Cost: String] = [.quadratic: "QuadraticCost", .crossEntropy: "CrossEntropyCost"]

    /// Why `model` cannot be written as network2.py's JSON, or nil when it can.
    public static func problem(with model: TrainedModel) -> String? {
        guard case .dense(let network) = model.network else { return "network2.py's networks have dense layers only" }
        if let layer = network.layers.firstIndex(where: { $0.activation != .sigmoid }) {
            return "network2.py's networks have sigmoid neurons only, and layer \(layer + 1) of this one is "
                + network.layers[layer].activation.name
        }
        if costNames[model.record.settings.cost] == nil {
            return "network2.py knows the quadratic and cross-entropy costs only, not \(model.record.settings.cost.name)"
        }
        return nil
    }

    /// The JSON of `model`, which must have no `problem`.
    public static func encode(_ model: TrainedModel) -> [UInt8] {
        precondition(problem(with: model) == nil, "not a network2.py network")
        let layers = model.network.dense!.layers
        func number(_ v: Float) -> String { "\(Double(v))" }
        let weights = layers.map { layer -> String in
            let w = layer.rowMajorWeights
            let rows = (0..<layer.outputCount).map { j in
                "[" + w[j * layer.inputCount..<(j + 1) * layer.inputCount].map(number).joined(separator: ", ") + "]"
            }
            return "[" + rows.joined(separator: ", ") + "]"
        }
        let biases = layers.map { layer in "[" + layer.biases.map { "[\(number($0))]" }.joined(separator: ", ") + "]" }
        let text = "{\"sizes\": [\(model.network.dense!.sizes.map(String.init).joined(separator: ", "))], "
            + "\"weights\": [\(weights.joined(separator: ", "))], \"biases\": [\(biases.joined(separator: ", "))], "
            + "\"cost\": \"\(costNames[model.record.settings.cost]!)\"}"
        return Array(text.utf8)
    }

    /// The network and cost of network2.py's JSON at `path`, every field checked: the sizes chain from `inputs`
    /// to `outputs` through at most ModelFile's limits, every weight and bias is there and finite.
    public static func read(from path: String, inputs: Int, outputs: Int) throws -> (network: Network, cost: Cost) {
        let bytes = try FileError.contents(of: path, limit: maximumFileSize)
        do {
            return try decode(bytes, inputs: inputs, outputs: outputs)
        } catch {
            throw Network2JSONError(path: path, problem: error.problem)
        }
    }

    struct Invalid: Error {
        let problem: String
    }

    /// The network and cost of network2.py's JSON `bytes`, checked as `read` says.
    static func decode(_ bytes: Data, inputs: Int, outputs: Int) throws(Invalid) -> (network: Network, cost: Cost) {
        func invalid(_ why: String) -> Invalid { Invalid(problem: why) }
        let file = try Network2Reader.read(bytes)
        guard let sizeValues = file.sizes else { throw invalid("no \"sizes\"") }
        guard let weights = file.weights else { throw invalid("no \"weights\"") }
        guard let biases = file.biases else { throw invalid("no \"biases\"") }
        guard let costName = file.cost else { throw invalid("no \"cost\"") }
        guard let cost = costNames.first(where: { $0.value == costName })?.key else {
            throw invalid("\"cost\" must be \"QuadraticCost\" or \"CrossEntropyCost\", not \(jsonString(costName))")
        }
        guard (2...ModelFile.maximumLevels).contains(sizeValues.count) else {
            throw invalid("\(sizeValues.count) sizes; expected 2 to \(ModelFile.maximumLevels)")
        }
        if let size = sizeValues.first(where: { !(1...Double(ModelFile.maximumLayerSize)).contains($0) || $0.rounded() != $0 }) {
            throw invalid("a layer of \(size.rounded() == size ? "\(Int(size))" : "\(size)") neurons; expected 1 to \(ModelFile.maximumLayerSize)")
        }
        let sizes = sizeValues.map { Int($0) }
        guard sizes.first == inputs, sizes.last == outputs else {
            throw invalid("sizes \(sizes) do not run from \(inputs) inputs (28×28 pixels) to \(outputs) outputs (digits)")
        }
        guard weights.count == sizes.count - 1 else {
            throw invalid("\"weights\" holds \(weights.count) matrices; the sizes make \(sizes.count - 1) layers")
        }
        guard biases.count == sizes.count - 1 else {
            throw invalid("\"biases\" holds \(biases.count) columns; the sizes make \(sizes.count - 1) layers")
        }
        var layers: [Network.Layer] = []
        for l in 0..<sizes.count - 1 {
            let (ins, outs) = (sizes[l], sizes[l + 1])
            let w = weights[l], b = biases[l]
            guard w.lengths.count == outs else { throw invalid("weights[\(l)] has \(w.lengths.count) rows; sizes[\(l + 1)] is \(outs)") }
            if let j = w.lengths.firstIndex(where: { $0 != ins }) {
                throw invalid("weights[\(l)][\(j)] has \(w.lengths[j]) numbers; sizes[\(l)] is \(ins)")
            }
            guard b.lengths.count == outs else { throw invalid("biases[\(l)] has \(b.lengths.count) rows; sizes[\(l + 1)] is \(outs)") }
            if let j = b.lengths.firstIndex(where: { $0 != 1 }) {
                throw invalid("biases[\(l)][\(j)] has \(b.lengths[j]) numbers; a bias is a list of one")
            }
            guard w.values.allSatisfy(\.isFinite), b.values.allSatisfy(\.isFinite) else {
                throw invalid("layer \(l + 1) has a weight or bias too large for float32")
            }
            layers.append(Network.Layer(inputCount: ins, outputCount: outs, rowMajorWeights: w.values, biases: b.values,
                                        activation: .sigmoid))
        }
        return (Network(layers: layers), cost)
    }
}

public struct Network2JSONError: Error, CustomStringConvertible {
    public let path: String
    public let problem: String
    public var description: String { "not a network2.py network: \(problem) (\(path))" }
}
