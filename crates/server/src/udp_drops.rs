//! How many datagrams the kernel dropped on one UDP socket because its
//! receive buffer was full. Linux keeps the count per socket and shows it in
//! the last column (`drops`) of `/proc/net/udp` and `/proc/net/udp6`, on the
//! line of the socket's inode; reading it needs no privileges and no unsafe
//! code (the alternative, SO_RXQ_OVFL, needs `recvmsg` with control
//! messages). Elsewhere the count is not available and stays 0.

use std::path::Path;

pub struct KernelDrops {
    inode: u64,
}

impl KernelDrops {
    /// The counter of `socket`, where the system shows one.
    pub fn of(socket: &tokio::net::UdpSocket) -> Option<KernelDrops> {
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            let link = std::fs::read_link(format!("/proc/self/fd/{}", socket.as_raw_fd())).ok()?;
            let inode = parse_socket_link(&link)?;
            let drops = KernelDrops { inode };
            drops.read().map(|_| drops)
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = socket;
            None
        }
    }

    /// Datagrams dropped since the socket was opened.
    pub fn read(&self) -> Option<u64> {
        ["/proc/net/udp", "/proc/net/udp6"]
            .iter()
            .find_map(|table| drops_in(&std::fs::read_to_string(table).ok()?, self.inode))
    }
}

/// `socket:[12345]` → 12345.
fn parse_socket_link(link: &Path) -> Option<u64> {
    link.to_str()?
        .strip_prefix("socket:[")?
        .strip_suffix(']')?
        .parse()
        .ok()
}

/// The `drops` column of the line whose `inode` column is `inode`.
fn drops_in(table: &str, inode: u64) -> Option<u64> {
    table.lines().skip(1).find_map(|line| {
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.get(9)?.parse::<u64>().ok()? != inode {
            return None;
        }
        cols.last()?.parse().ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_drops_column_of_our_inode() {
        let table = "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n\
             1: 0100007F:14B2 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 40001 2 0000000000000000 0\n\
             2: 0100007F:C350 00000000:0000 07 00000000:00034000 00:00000000 00000000     0        0 40002 2 0000000000000000 917\n";
        assert_eq!(drops_in(table, 40002), Some(917));
        assert_eq!(drops_in(table, 40001), Some(0));
        assert_eq!(drops_in(table, 9), None);
        assert_eq!(parse_socket_link(Path::new("socket:[40002]")), Some(40002));
        assert_eq!(parse_socket_link(Path::new("/dev/null")), None);
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn a_real_socket_has_a_counter() {
        let sock = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let drops = KernelDrops::of(&sock).expect("Linux shows UDP drops");
        assert_eq!(drops.read(), Some(0));
    }
}
