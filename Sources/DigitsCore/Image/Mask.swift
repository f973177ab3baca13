/// A picture's pixels that are in (true) or out, with the square erosions and dilations of mathematical morphology.
struct Mask {
    var bits: [Bool]
    let width: Int
    let height: Int

    init(_ bits: [Bool], width: Int, height: Int) {
        precondition(bits.count == width * height)
        (self.bits, self.width, self.height) = (bits, width, height)
    }

    /// In where every pixel within `radius` (a square) is in; beyond the picture's edge counts as in, so that a
    /// part running off the picture keeps its edge.
    func eroded(_ radius: Int) -> Mask { filtered(radius, erosion: true) }

    /// In where any pixel within `radius` (a square) is in.
    func dilated(_ radius: Int) -> Mask { filtered(radius, erosion: false) }

    /// A square filter as two passes of a running count, rows then columns: in where the window of `2·radius + 1`
    /// pixels holds `2·radius + 1` pixels in (an erosion, pixels beyond the edge counting as in) or any (a
    /// dilation, as out).
    private func filtered(_ radius: Int, erosion: Bool) -> Mask {
        let need = erosion ? 2 * radius + 1 : 1
        let edge = erosion ? 1 : 0
        /// One line of `count` pixels from `start`, `step` apart, of `source` into `target` (both of this mask's size).
        func slide(_ source: UnsafeBufferPointer<Bool>, _ target: UnsafeMutableBufferPointer<Bool>,
                   start: Int, step: Int, count: Int) {
            func at(_ i: Int) -> Int { i < 0 || i >= count ? edge : (source[start + i * step] ? 1 : 0) }
            var inside = 0
            for i in -radius...radius { inside += at(i) }
            for i in 0..<count {
                target[start + i * step] = inside >= need
                inside += at(i + radius + 1) - at(i - radius)
            }
        }
        var rows = bits, columns = bits
        bits.withUnsafeBufferPointer { source in
            rows.withUnsafeMutableBufferPointer { target in
                for y in 0..<height { slide(source, target, start: y * width, step: 1, count: width) }
            }
        }
        rows.withUnsafeBufferPointer { source in
            columns.withUnsafeMutableBufferPointer { target in
                for x in 0..<width { slide(source, target, start: x, step: width, count: height) }
            }
        }
        return Mask(columns, width: width, height: height)
    }

    /// The radius of the largest disc inside the pixels in, in pixels: the greatest distance from a pixel in to
    /// the nearest pixel out or to the picture's edge, by the 3-4 chamfer distance (two passes; within 8% of the
    /// Euclidean distance in every direction, so that a shape turned on the picture has about the same radius).
    func inscribedRadius() -> Float {
        let unreached = Int.max / 2
        var distance = bits.map { $0 ? unreached : 0 }
        func at(_ x: Int, _ y: Int) -> Int { x < 0 || x >= width || y < 0 || y >= height ? 0 : distance[y * width + x] }
        for y in 0..<height {
            for x in 0..<width where distance[y * width + x] > 0 {
                distance[y * width + x] = min(distance[y * width + x], at(x - 1, y) + 3, at(x, y - 1) + 3,
                                              at(x - 1, y - 1) + 4, at(x + 1, y - 1) + 4)
            }
        }
        for y in (0..<height).reversed() {
            for x in (0..<width).reversed() where distance[y * width + x] > 0 {
                distance[y * width + x] = min(distance[y * width + x], at(x + 1, y) + 3, at(x, y + 1) + 3,
                                              at(x + 1, y + 1) + 4, at(x - 1, y + 1) + 4)
            }
        }
        return Float(distance.max() ?? 0) / 3
    }

    /// The 4-connected parts of the pixels in, each as its pixels' indices.
    func parts() -> [[Int]] {
        var seen = [Bool](repeating: false, count: bits.count)
        var parts: [[Int]] = []
        for start in bits.indices where bits[start] && !seen[start] {
            var part = [start], next = 0
            seen[start] = true
            while next < part.count {
                let p = part[next]
                next += 1
                let (x, y) = (p % width, p / width)
                for (q, inside) in [(p - 1, x > 0), (p + 1, x < width - 1), (p - width, y > 0), (p + width, y < height - 1)]
                where inside && bits[q] && !seen[q] {
                    seen[q] = true
                    part.append(q)
                }
            }
            parts.append(part)
        }
        return parts
    }

    /// Whether `part` has pixels on the picture's edge.
    func touchesAnEdge(_ part: [Int]) -> Bool {
        part.contains { p in p % width == 0 || p % width == width - 1 || p < width || p >= (height - 1) * width }
    }

    /// Whether `part` holds at least `contact` of the pixels along one of the picture's four sides.
    func runsAlongASide(_ part: [Int], contact: Float) -> Bool {
        var (top, bottom, left, right) = (0, 0, 0, 0)
        for p in part {
            let (x, y) = (p % width, p / width)
            if y == 0 { top += 1 }
            if y == height - 1 { bottom += 1 }
            if x == 0 { left += 1 }
            if x == width - 1 { right += 1 }
        }
        return Float(max(top, bottom)) >= contact * Float(width) || Float(max(left, right)) >= contact * Float(height)
    }
}
