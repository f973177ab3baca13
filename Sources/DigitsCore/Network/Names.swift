/// The names by which commands, files and reports spell training options.
extension Network.Activation {
    public var name: String {
        switch self {
        case .sigmoid: "sigmoid"
        case .identity: "identity"
        case .relu: "relu"
        case .softmax: "softmax"
        }
    }

    public init?(name: String) {
        guard let found = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = found
    }
}

extension Network.Initialization {
    public var name: String {
        switch self {
        case .standardNormal: "normal"
        case .scaled: "scaled"
        case .he: "he"
        }
    }

    public init?(name: String) {
        guard let found = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = found
    }
}

extension Cost {
    public var name: String {
        switch self {
        case .quadratic: "quadratic"
        case .crossEntropy: "cross-entropy"
        }
    }

    public init?(name: String) {
        guard let found = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = found
    }
}
