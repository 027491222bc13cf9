//! A blocking `Read` fed by an async task: the parser runs on a blocking thread and reads the
//! upload as the chunks arrive.

use std::io::Read;
use std::sync::mpsc as std_mpsc;

/// A `Read` over byte chunks arriving on a channel (the stored upload, fetched by an async
/// task while a blocking thread parses).
pub(super) struct ChannelReader {
    rx: std_mpsc::Receiver<Vec<u8>>,
    current: std::io::Cursor<Vec<u8>>,
}

impl ChannelReader {
    pub(super) fn new(rx: std_mpsc::Receiver<Vec<u8>>) -> Self {
        Self {
            rx,
            current: std::io::Cursor::new(Vec::new()),
        }
    }
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let n = self.current.read(buf)?;
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            match self.rx.recv() {
                Ok(next) => self.current = std::io::Cursor::new(next),
                Err(_) => return Ok(0),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;
    use std::sync::mpsc;

    use super::ChannelReader;

    fn read_all(chunks: Vec<Vec<u8>>, buffer: usize) -> Vec<u8> {
        let (tx, rx) = mpsc::sync_channel(chunks.len().max(1));
        for chunk in chunks {
            tx.send(chunk).unwrap();
        }
        drop(tx);
        let mut reader = ChannelReader::new(rx);
        let mut out = Vec::new();
        let mut buf = vec![0; buffer];
        loop {
            let n = reader.read(&mut buf).unwrap();
            if n == 0 {
                return out;
            }
            out.extend_from_slice(&buf[..n]);
        }
    }

    #[test]
    fn chunks_are_read_in_order_across_small_buffers() {
        let chunks = vec![
            b"email,na".to_vec(),
            b"me\na@b.test,".to_vec(),
            b"x\n".to_vec(),
        ];
        assert_eq!(read_all(chunks.clone(), 3), b"email,name\na@b.test,x\n");
        assert_eq!(read_all(chunks, 1024), b"email,name\na@b.test,x\n");
    }

    #[test]
    fn empty_chunks_do_not_end_the_stream() {
        let chunks = vec![b"ab".to_vec(), Vec::new(), b"cd".to_vec()];
        assert_eq!(read_all(chunks, 4), b"abcd");
    }

    #[test]
    fn a_closed_channel_is_the_end_of_the_file() {
        assert!(read_all(vec![], 8).is_empty());
        let (tx, rx) = mpsc::sync_channel::<Vec<u8>>(1);
        drop(tx);
        assert_eq!(ChannelReader::new(rx).read(&mut [0; 4]).unwrap(), 0);
    }

    #[test]
    fn reading_into_an_empty_buffer_returns_at_once() {
        let (_tx, rx) = mpsc::sync_channel::<Vec<u8>>(1);
        // The sender is alive and silent: a read that waited for it would hang.
        assert_eq!(ChannelReader::new(rx).read(&mut []).unwrap(), 0);
    }
}
