import CZlib
import Foundation
import Testing
@testable import DigitsCore

@Suite struct PNGFileTests {
    /// A 13×7 picture with a gray ramp and an alpha ramp, odd sizes so that Adam7's passes are uneven.
    static let (width, height) = (13, 7)
    static let rgba: [UInt8] = (0..<13 * 7).flatMap { i -> [UInt8] in
        let v = UInt8(i * 255 / (13 * 7 - 1))
        return [v, v, v, UInt8(255 - i % 4 * 60)]
    }

    @Test(arguments: pngEncodings.indices)
    func decodesEveryEncodingToGrayAndAlpha(_ index: Int) throws {
        let encoder = pngEncodings[index]
        let folder = TemporaryFolder()
        let path = folder.write("p.png", encoder.encode(rgba: Self.rgba, width: Self.width, height: Self.height))
        let image = try PictureFile.read(from: path)
        #expect(image.width == Self.width && image.height == Self.height)
        // Every sample is quantised to the encoding's bit depth (palettes of few entries to gray levels).
        let levels = encoder.colorType == .palette && encoder.bitDepth < 8 ? (1 << encoder.bitDepth) / 2 : 1 << min(encoder.bitDepth, 8)
        let tolerance = 255 / max(levels - 1, 1) / 2 + 1
        for i in 0..<Self.width * Self.height {
            let alpha = Int(Self.rgba[4 * i + 3])
            let expectedGray = encoder.hasAlpha ? Int(Self.rgba[4 * i]) : (Int(Self.rgba[4 * i]) * alpha + 255 * (255 - alpha)) / 255
            #expect(abs(Int(image.gray[i]) - expectedGray) <= tolerance, "pixel \(i): \(image.gray[i]) vs \(expectedGray)")
            if encoder.hasAlpha && encoder.colorType != .palette {
                #expect(abs(Int(image.alpha[i]) - alpha) <= tolerance)
            }
        }
    }

    @Test func interlacedAndPlainDecodeAlike() throws {
        let folder = TemporaryFolder()
        let plain = folder.write("a.png", PNGWriter(colorType: .rgba, bitDepth: 8).encode(rgba: Self.rgba, width: 13, height: 7))
        let interlaced = folder.write("b.png", PNGWriter(colorType: .rgba, bitDepth: 8, interlaced: true).encode(rgba: Self.rgba, width: 13, height: 7))
        #expect(try PictureFile.read(from: plain) == PictureFile.read(from: interlaced))
    }

    static func validPNG() -> [UInt8] {
        PNGWriter(colorType: .gray, bitDepth: 8).encode(rgba: rgba, width: width, height: height)
    }

    static let malformed: [(name: String, bytes: [UInt8])] = {
        let good = validPNG()
        var crc = good
        crc[good.count - 20] ^= 0xFF  // inside IDAT's data or CRC
        var header = good
        header[16...23] = [0, 3, 0x0D, 0x40, 0, 3, 0x0D, 0x40]  // 200,000 × 200,000, IHDR CRC now wrong
        return [
            ("empty", []),
            ("text", Array("this is not a picture".utf8)),
            ("signature only", Array(good.prefix(8))),
            ("truncated", Array(good.prefix(good.count / 2))),
            ("IDAT corrupt", crc),
            ("bad IHDR", header),
        ]
    }()

    @Test(arguments: malformed.indices)
    func rejectsMalformedPNG(_ index: Int) throws {
        let (name, bytes) = Self.malformed[index]
        let folder = TemporaryFolder()
        let path = folder.write(name, bytes)
        let error = try #require(throws: PictureError.self) { try PictureFile.read(from: path) }
        #expect(error.description.hasSuffix("(\(path))"))
    }

    @Test func saysAnEmptyFileIsEmpty() throws {
        let folder = TemporaryFolder()
        let path = folder.write("empty.png", [])
        let error = try #require(throws: PictureError.self) { try PictureFile.read(from: path) }
        #expect(error.description == "not a PNG or JPEG picture: it holds no bytes (\(path))")
    }

    @Test func refusesAHeaderClaiming200000By200000PixelsBeforeAllocating() throws {
        // A valid PNG whose IHDR (with a correct CRC) claims 40 gigapixels: refused from the header alone.
        var bytes = Self.validPNG()
        bytes.replaceSubrange(16..<24, with: [0, 3, 0x0D, 0x40, 0, 3, 0x0D, 0x40])
        let crc = bytes[12..<29].withUnsafeBufferPointer { UInt32(CZlib.crc32(0, $0.baseAddress, 17)) }
        bytes.replaceSubrange(29..<33, with: withUnsafeBytes(of: crc.bigEndian, Array.init))
        let folder = TemporaryFolder()
        let path = folder.write("huge.png", bytes)
        #expect(throws: PictureError(path: path, problem: .tooLarge(width: 200_000, height: 200_000, limit: PictureFile.defaultPixelLimit))) {
            try PictureFile.read(from: path)
        }
    }

    @Test func refusesHugeImagesBeforeDecoding() throws {
        let folder = TemporaryFolder()
        let path = folder.write("big.png", PNGWriter(colorType: .gray, bitDepth: 8).encode(
            rgba: [UInt8](repeating: 255, count: 4 * 300 * 200), width: 300, height: 200))
        #expect(throws: PictureError(path: path, problem: .tooLarge(width: 300, height: 200, limit: 50_000))) {
            try PictureFile.read(from: path, pixelLimit: 50_000)
        }
        #expect(try PictureFile.read(from: path, pixelLimit: 60_000).width == 300)
    }

    /// `png` with a chunk of `type` holding `data` (its CRC right) inserted after IHDR, and its declared length
    /// replaced by `declaring` when given.
    static func withChunk(_ png: [UInt8], type: String, data: [UInt8], declaring: UInt32? = nil) -> [UInt8] {
        let body = Array(type.utf8) + data
        let crc = body.withUnsafeBufferPointer { UInt32(CZlib.crc32(0, $0.baseAddress, UInt32($0.count))) }
        let chunk = withUnsafeBytes(of: (declaring ?? UInt32(data.count)).bigEndian, Array.init) + body
            + withUnsafeBytes(of: crc.bigEndian, Array.init)
        return Array(png[..<33]) + chunk + png[33...]
    }

    @Test func aChunkDeclaringMoreThanTheFileHoldsIsRefusedBeforeLibpngAllocatesIt() throws {
        // A tEXt chunk declaring 2 GB in a file of 1 KB: libpng would allocate the 2 GB before finding the end.
        let bytes = Array(Self.validPNG()[..<33]) + [0x7F, 0xFF, 0xFF, 0xFF] + Array("tEXt".utf8)
            + [UInt8](repeating: 0x61, count: 100)
        let folder = TemporaryFolder()
        let path = folder.write("huge-text.png", bytes)
        #expect(throws: PictureError(path: path, problem: .invalid(.png, "chunk tEXt declares 2147483647 bytes, more than the 96 left in the file"))) {
            try PictureFile.read(from: path)
        }
        // The same case is in the fuzzers' seed corpus.
        let seed = repositoryRoot.appendingPathComponent("Fuzz/corpus/png/text-chunk-declaring-2gb.png").path
        #expect(throws: PictureError(path: seed, problem: .invalid(.png, "chunk tEXt declares 2147483647 bytes, more than the 96 left in the file"))) {
            try PictureFile.read(from: seed)
        }
    }

    @Test func ancillaryChunksAreReadUpTo8MiB() throws {
        let png = Self.validPNG()
        let folder = TemporaryFolder()
        let ordinary = folder.write("text.png", Self.withChunk(png, type: "tEXt", data: Array("Comment\0drawn on a tablet".utf8)))
        #expect(try PictureFile.read(from: ordinary).width == Self.width)
        let large = folder.write("large.png", Self.withChunk(png, type: "zTXt", data: [UInt8](repeating: 0, count: 8 << 20)))
        #expect(throws: Never.self) { try PictureFile.read(from: large) }
        let tooLarge = folder.write("too-large.png", Self.withChunk(png, type: "iTXt", data: [UInt8](repeating: 0, count: (8 << 20) + 1)))
        #expect(throws: PictureError(path: tooLarge, problem: .invalid(.png, "ancillary chunk iTXt of 8388609 bytes, more than the limit of 8388608"))) {
            try PictureFile.read(from: tooLarge)
        }
    }

    @Test func aTruncatedPNGSaysWhichChunkIsCut() throws {
        let good = Self.validPNG()
        let folder = TemporaryFolder()
        let path = folder.write("cut.png", Array(good.prefix(good.count - 20)))
        let error = try #require(throws: PictureError.self) { try PictureFile.read(from: path) }
        #expect(error.description.hasPrefix("not a readable PNG: chunk IDAT declares "), "\(error)")
    }

    @Test func writesGrayThatReadsBack() throws {
        let folder = TemporaryFolder()
        let pixels = (0..<28 * 28).map { UInt8($0 % 256) }
        try PNGFile.writeGray(pixels, width: 28, height: 28, to: folder.path + "/g.png")
        let image = try PictureFile.read(from: folder.path + "/g.png")
        #expect(image.gray == pixels && !image.hasTransparency)
        #expect(folder.contents() == ["g.png"])
    }

    @Test func rejectsFolderAndMissingFile() {
        let folder = TemporaryFolder()
        #expect(throws: FileError(path: folder.path, problem: .isDirectory)) { try PictureFile.read(from: folder.path) }
        #expect(throws: FileError(path: folder.path + "/x.png", problem: .missing)) { try PictureFile.read(from: folder.path + "/x.png") }
    }
}

