//! Helpers shared by the codec tests: a seeded pseudo-random generator for
//! the bounded "never panic" runs, and the mutations they apply.

/// xorshift64*: small, fast and reproducible from a fixed seed.
pub(crate) struct Xorshift(u64);

impl Xorshift {
    pub(crate) fn new(seed: u64) -> Self {
        Xorshift(seed.max(1))
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..bound` (`bound` > 0).
    pub(crate) fn below(&mut self, bound: usize) -> usize {
        (self.next_u64() % bound as u64) as usize
    }

    pub(crate) fn byte(&mut self) -> u8 {
        self.next_u64() as u8
    }

    /// Random bytes of a random length below `max_len`.
    pub(crate) fn bytes(&mut self, max_len: usize) -> Vec<u8> {
        let len = self.below(max_len);
        (0..len).map(|_| self.byte()).collect()
    }

    /// `input` with one random change: a byte replaced, inserted or
    /// removed, or the tail cut off.
    pub(crate) fn mutate(&mut self, input: &[u8]) -> Vec<u8> {
        let mut output = input.to_vec();
        if output.is_empty() {
            return self.bytes(8);
        }
        let at = self.below(output.len());
        match self.below(4) {
            0 => output[at] = self.byte(),
            1 => output.insert(at, self.byte()),
            2 => {
                output.remove(at);
            }
            _ => output.truncate(at),
        }
        output
    }
}
