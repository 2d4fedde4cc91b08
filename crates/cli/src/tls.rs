//! `storeroom tls hosts|trust`: what a machine needs so that clients with hard-coded
//! production hosts reach storeroom's HTTPS listener.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use storeroom_server::config::DEFAULT_BLOB_ACCOUNT;
use storeroom_server::tls::PRODUCTION_NAMES;

#[derive(clap::Subcommand)]
pub enum TlsCommand {
    /// Print hosts-file lines that point the production host names at storeroom.
    ///
    /// Append them to /etc/hosts (Linux, macOS) or
    /// C:\Windows\System32\drivers\etc\hosts (Windows):
    ///
    ///   storeroom tls hosts | sudo tee -a /etc/hosts
    ///
    /// A hosts file maps names to addresses, not ports: clients connect to port 443, so
    /// serve with `--tls-listen <IP>:443`.
    #[command(verbatim_doc_comment)]
    Hosts {
        /// The HTTPS listener the names should reach (as given to `serve --tls-listen`).
        #[arg(long, env = "STOREROOM_TLS_LISTEN", default_value = "127.0.0.1:443")]
        tls_listen: SocketAddr,
        /// The storage account name in upload URLs (as given to `serve --blob-account`).
        #[arg(long, env = "STOREROOM_BLOB_ACCOUNT", default_value = DEFAULT_BLOB_ACCOUNT)]
        blob_account: String,
    },
    /// Explain how to trust storeroom's local CA (DIR/ca.pem) on each platform and runtime.
    ///
    /// The CA is created the first time `storeroom serve --tls-listen ADDR` starts on a
    /// database, and its certificate written to DIR/ca.pem; every instance on one database
    /// uses the same CA.
    #[command(verbatim_doc_comment)]
    Trust {
        /// The data directory of the server (where ca.pem is written).
        #[arg(
            long = "data",
            env = "STOREROOM_DATA",
            default_value = "./storeroom-data"
        )]
        data_dir: PathBuf,
    },
}

pub fn run(command: TlsCommand) -> anyhow::Result<()> {
    match command {
        TlsCommand::Hosts {
            tls_listen,
            blob_account,
        } => print!("{}", hosts_lines(tls_listen, &blob_account)),
        TlsCommand::Trust { data_dir } => print!("{}", trust_instructions(&data_dir)),
    }
    Ok(())
}

/// One hosts-file line per production name. The blob wildcard cannot be written in a hosts
/// file, so the account's own host stands for it.
pub fn hosts_lines(tls_listen: SocketAddr, blob_account: &str) -> String {
    let ip = match tls_listen.ip() {
        ip if ip.is_unspecified() => IpAddr::from([127, 0, 0, 1]),
        ip => ip,
    };
    let mut out = format!("# storeroom: the production host names, served at {ip}\n");
    if tls_listen.port() != 443 {
        out.push_str(&format!(
            "# warning: clients connect to port 443, but --tls-listen is on port {}\n",
            tls_listen.port()
        ));
    }
    for name in PRODUCTION_NAMES {
        let name = match name.strip_prefix("*.") {
            Some(domain) => format!("{}.{domain}", blob_account.to_ascii_lowercase()),
            None if *name == "localhost" => continue,
            None => name.to_string(),
        };
        out.push_str(&format!("{ip} {name}\n"));
    }
    out
}

pub fn trust_instructions(data_dir: &Path) -> String {
    let ca = std::path::absolute(data_dir.join("ca.pem")).unwrap_or(data_dir.join("ca.pem"));
    let ca = ca.display();
    let status = if Path::new(&ca.to_string()).exists() {
        "It exists."
    } else {
        "It does not exist yet: start `storeroom serve --tls-listen 127.0.0.1:443` once."
    };
    format!(
        r#"storeroom's local CA certificate: {ca}
{status}

Trust it where your client looks for trusted roots (each step needs administrator rights
where it writes a system store). Only trust a CA whose key you keep: anyone with the
database can sign certificates for these names.

Debian, Ubuntu (system store: curl, git, .NET, PowerShell on Linux, most tools):
  sudo cp {ca} /usr/local/share/ca-certificates/storeroom.crt
  sudo update-ca-certificates

RHEL, Fedora, CentOS:
  sudo cp {ca} /etc/pki/ca-trust/source/anchors/storeroom.pem
  sudo update-ca-trust

macOS (Keychain: curl, Safari, Swift, .NET):
  sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain {ca}

Windows (the store PowerShell, .NET, StoreBroker and msstore-cli read), elevated:
  certutil -addstore -f Root {ca}
or for the current user only:
  certutil -user -addstore Root {ca}

Node.js (its own CA list; the store-submission Action, @azure/storage-blob):
  export NODE_EXTRA_CA_CERTS={ca}

Python (requests and the Azure SDKs read REQUESTS_CA_BUNDLE, the ssl module and httpx
SSL_CERT_FILE; both replace the default list, so keep the public roots beside storeroom's):
  cat "$(python3 -m certifi)" {ca} > storeroom-bundle.pem
  export REQUESTS_CA_BUNDLE=$PWD/storeroom-bundle.pem SSL_CERT_FILE=$PWD/storeroom-bundle.pem
Clients generated from OpenAPI documents often pass certifi's bundle to urllib3 themselves and
ignore both variables: append the CA to that bundle instead:
  cat {ca} >> "$(python3 -m certifi)"

curl, one call (or CURL_CA_BUNDLE for every call):
  curl --cacert {ca} https://manage.devcenter.microsoft.com/v1.0/my/applications

A GitHub Actions job (ubuntu-latest):
  - run: |
      storeroom serve --data "$RUNNER_TEMP/storeroom" --tls-listen 127.0.0.1:443 &
      until [ -f "$RUNNER_TEMP/storeroom/ca.pem" ]; do sleep 1; done
      storeroom tls hosts | sudo tee -a /etc/hosts
      sudo cp "$RUNNER_TEMP/storeroom/ca.pem" /usr/local/share/ca-certificates/storeroom.crt
      sudo update-ca-certificates
      echo "NODE_EXTRA_CA_CERTS=$RUNNER_TEMP/storeroom/ca.pem" >> "$GITHUB_ENV"
A GitHub Actions job (windows-latest, PowerShell):
  - run: |
      Start-Process storeroom -ArgumentList 'serve','--data',"$env:RUNNER_TEMP\storeroom",'--tls-listen','127.0.0.1:443'
      while (-not (Test-Path "$env:RUNNER_TEMP\storeroom\ca.pem")) {{ Start-Sleep 1 }}
      storeroom tls hosts | Add-Content C:\Windows\System32\drivers\etc\hosts
      certutil -addstore -f Root "$env:RUNNER_TEMP\storeroom\ca.pem"
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_lines_name_every_production_host_at_the_listen_ip() {
        let lines = hosts_lines("127.0.0.7:443".parse().unwrap(), "ProductIngestionBin1");
        assert!(lines.contains("127.0.0.7 manage.devcenter.microsoft.com\n"));
        assert!(lines.contains("127.0.0.7 login.microsoftonline.com\n"));
        assert!(lines.contains("127.0.0.7 productingestionbin1.blob.core.windows.net\n"));
        assert!(!lines.contains('*'));
        assert!(!lines.contains("warning"));
        let elsewhere = hosts_lines("0.0.0.0:8443".parse().unwrap(), "x");
        assert!(elsewhere.contains("127.0.0.1 api.partner.microsoft.com\n"));
        assert!(elsewhere.contains("warning"));
    }
}
