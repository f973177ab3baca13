@testable import DigitsCore
import Foundation

// libFuzzer harness: arbitrary bytes as a JPEG, decoded by libjpeg-turbo (whole, or reduced as `digits predict`
// decodes large photos), turned upright by their EXIF orientation and, when they decode, prepared as a digit and
// read as a number.

/// A small network of random weights: reading a number needs a scorer, and any will walk its paths.
let fuzzNetwork: Network = {
    var generator = SplitMix64(seed: 1)
    return Network(sizes: [784, 10, 10], generator: &generator)
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJPEG(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Data(bytes: data, count: size)
    // A 4-megapixel limit keeps each run fast; the limit itself is checked before any allocation.
    let minimumSide = size % 2 == 0 ? nil : DigitPreparation.decodingSide
    if case .success(let image) = JPEGFile.decode(bytes, pixelLimit: 4_000_000, minimumSide: minimumSide) {
        precondition(image.gray.count == image.width * image.height, "decoded size is not width × height")
        if let digit = try? DigitPreparation.prepare(image) {
            precondition(digit.pixels.count == 784, "prepared digit is not 28×28")
        }
        if let digits = try? NumberReading.read(image, score: fuzzNetwork.feedForward) {
            precondition(!digits.isEmpty && digits.allSatisfy { $0.prepared.pixels.count == 784 && $0.scores.count == 10 })
        }
    }
    return 0
}
