// libFuzzer harness: arbitrary bytes as network2.py's JSON (digits import). Built by scripts/fuzz against
// DigitsCore.
@testable import DigitsCore
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNetwork2(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Data(UnsafeBufferPointer(start: data, count: size))
    guard let (network, cost) = try? Network2JSON.decode(bytes, inputs: 784, outputs: 10) else { return 0 }
    // Whatever is read must run, and must come back bit for bit through digits' own network2 writer.
    var settings = TrainingSettings(sizes: network.sizes, epochs: 0, batchSize: 10, learningRate: 0, seed: 0)
    settings.cost = cost
    let record = TrainingRecord(
        settings: settings, epochsRun: 0, bestEpoch: 0, trainingCount: 0, validationCount: 0, validationHistory: [],
        learningRates: [], testCorrect: 0, testTotal: 0, trainedAt: Date(timeIntervalSince1970: 0), interrupted: false,
        stoppedEarly: false)
    let written = Network2JSON.encode(TrainedModel(network: network, record: record))
    let again = try? Network2JSON.decode(Data(written), inputs: 784, outputs: 10)
    precondition(again?.network == network && again?.cost == cost, "a network read does not survive being written")
    _ = network.feedForward([Float](repeating: 0.5, count: 784))
    return 0
}
