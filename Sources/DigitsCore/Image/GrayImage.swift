/// A grayscale picture with coverage: what every PNG and JPEG becomes before it is prepared for the network.
public struct GrayImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    /// Row-major luminance, 0 = black, 255 = white (sRGB-encoded, as the file stores it); count == width × height.
    public var gray: [UInt8]
    /// Row-major opacity, 0 = transparent, 255 = opaque; count == width × height.
    public var alpha: [UInt8]
    /// The file's pixels per pixel here along each side: 1, or 2, 4 or 8 for a JPEG decoded at reduced size.
    /// Boxes found in this image are multiplied by it to speak of the file's own pixels.
    public var reduction = 1

    public init(width: Int, height: Int, gray: [UInt8], alpha: [UInt8]? = nil) {
        precondition(width > 0 && height > 0 && gray.count == width * height, "gray has the wrong size")
        precondition(alpha.map { $0.count == gray.count } ?? true, "alpha has the wrong size")
        self.width = width
        self.height = height
        self.gray = gray
        self.alpha = alpha ?? Array(repeating: 255, count: gray.count)
    }

    /// True when some pixel is not fully opaque.
    public var hasTransparency: Bool { alpha.contains { $0 != 255 } }

    /// The pixels of `region` (which lies within the picture), as a picture of their own with this one's reduction.
    func cropped(to region: PixelRegion) -> GrayImage {
        guard region != PixelRegion(self) else { return self }
        let rows = region.y..<region.y + region.height
        let pick = { (plane: [UInt8]) in rows.flatMap { y in plane[y * width + region.x..<y * width + region.x + region.width] } }
        var part = GrayImage(width: region.width, height: region.height, gray: pick(gray), alpha: pick(alpha))
        part.reduction = reduction
        return part
    }
}

extension GrayImage {
    /// The picture inside a margin of `margin` pixels on every side, each of its planes (grey and opacity) the
    /// median of the picture's outermost pixels there: the paper, where the ink meets the edges in places only.
    func withMargin(_ margin: Int) -> GrayImage {
        let (outWidth, outHeight) = (width + 2 * margin, height + 2 * margin)
        func framed(_ plane: [UInt8]) -> [UInt8] {
            var ring: [UInt8] = []
            for x in 0..<width { ring += [plane[x], plane[(height - 1) * width + x]] }
            for y in 0..<height { ring += [plane[y * width], plane[y * width + width - 1]] }
            var out = [UInt8](repeating: ring.sorted()[ring.count / 2], count: outWidth * outHeight)
            for y in 0..<height {
                let start = (y + margin) * outWidth + margin
                out.replaceSubrange(start..<start + width, with: plane[y * width..<(y + 1) * width])
            }
            return out
        }
        var out = GrayImage(width: outWidth, height: outHeight, gray: framed(gray), alpha: framed(alpha))
        out.reduction = reduction
        return out
    }

    /// The picture shrunk by `factor` along each side, each pixel (grey and opacity) the mean of its block of the
    /// picture's (fewer at the right and bottom edges), `reduction` multiplied by `factor`.
    func shrunk(by factor: Int) -> GrayImage {
        let (outWidth, outHeight) = ((width + factor - 1) / factor, (height + factor - 1) / factor)
        func averaged(_ plane: [UInt8]) -> [UInt8] {
            var out = [UInt8](repeating: 0, count: outWidth * outHeight)
            var sums = [Int](repeating: 0, count: outWidth)
            plane.withUnsafeBufferPointer { plane in
                for oy in 0..<outHeight {
                    let rows = oy * factor..<min(height, (oy + 1) * factor)
                    for ox in 0..<outWidth { sums[ox] = 0 }
                    for y in rows {
                        for ox in 0..<outWidth {
                            var sum = 0
                            for x in ox * factor..<min(width, (ox + 1) * factor) { sum += Int(plane[y * width + x]) }
                            sums[ox] += sum
                        }
                    }
                    for ox in 0..<outWidth {
                        let count = rows.count * (min(width, (ox + 1) * factor) - ox * factor)
                        out[oy * outWidth + ox] = UInt8((sums[ox] + count / 2) / count)
                    }
                }
            }
            return out
        }
        var out = GrayImage(width: outWidth, height: outHeight, gray: averaged(gray), alpha: averaged(alpha))
        out.reduction = reduction * factor
        return out
    }
}

/// A rectangle of a picture's pixels.
struct PixelRegion: Equatable {
    var x, y, width, height: Int

    init(x: Int, y: Int, width: Int, height: Int) {
        (self.x, self.y, self.width, self.height) = (x, y, width, height)
    }

    /// All of `image`.
    init(_ image: GrayImage) {
        self.init(x: 0, y: 0, width: image.width, height: image.height)
    }
}
