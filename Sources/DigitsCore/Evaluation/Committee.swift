import Foundation

/// Several networks reading together, as network3.py's vote of five: the members' scores, averaged.
public struct Committee: Classifier {
    public let members: [any Classifier]

    /// Members that all take the same inputs and give the same number of scores.
    public init(_ members: [any Classifier]) {
        precondition(!members.isEmpty, "a committee needs a member")
        precondition(members.allSatisfy { $0.inputCount == members[0].inputCount && $0.outputCount == members[0].outputCount },
                     "committee members must take the same inputs and give the same outputs")
        self.members = members
    }

    public var inputCount: Int { members[0].inputCount }
    public var outputCount: Int { members[0].outputCount }

    public func scorer() -> ([Float]) -> [Float] {
        let scorers = members.map { $0.scorer() }
        return { input in Self.average(scorers.map { $0(input) }) }
    }

    public func scores(of data: LabeledImages) -> [Float] {
        Self.average(members.map { $0.scores(of: data) })
    }

    /// The mean of equally long runs of scores, value by value, summed in the members' order.
    public static func average(_ scores: [[Float]]) -> [Float] {
        precondition(!scores.isEmpty && scores.allSatisfy { $0.count == scores[0].count })
        var sum = scores[0]
        for other in scores.dropFirst() {
            for i in sum.indices { sum[i] += other[i] }
        }
        let n = Float(scores.count)
        return sum.map { $0 / n }
    }
}
