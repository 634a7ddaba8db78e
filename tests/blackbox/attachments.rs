//! Attachments: a vehicle's photo uploaded in Chromium gets its thumbnail
//! from the worker; a 100 MB file and a file that is not what its name says
//! are refused with a sentence; another company fetches neither the photo
//! nor its thumbnail. Through the API: the same checks as problem details,
//! and a removal that takes the file out of the store. Without JavaScript,
//! the page's form with a file over the limit comes back with the sentence.

use std::io::Cursor;
use std::time::Duration;

use fantoccini::Locator;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::browser::{chromium, follow, log_in, shot, text_of};
use crate::harness::{ADMIN, App, MANAGER, TestResult, login_in};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// A photo-sized JPEG with something in it (a gradient), `w`×`h`.
pub(crate) fn photo(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x * 255 / w) as u8, (y * 255 / h) as u8, 120])
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg)
        .expect("a JPEG into memory");
    out.into_inner()
}

/// A small but real PDF.
pub(crate) const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n\
2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// A vehicle in the client's active company; its id.
pub(crate) async fn vehicle(
    app: &App,
    client: &reqwest::Client,
    sku: &str,
) -> Result<String, Error> {
    let res = client
        .post(app.url("/api/v1/products"))
        .json(&json!({"sku": sku, "name": "Motocicleta Génesis 125", "sale_price": "32000", "is_vehicle": true}))
        .send()
        .await?;
    let status = res.status();
    let body: Value = res.json().await?;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    Ok(body["id"].as_str().ok_or("product id")?.to_owned())
}

/// Upload `bytes` as `name` to the owner through the API.
pub(crate) async fn upload(
    app: &App,
    client: &reqwest::Client,
    owner: (&str, &str),
    name: &str,
    bytes: Vec<u8>,
) -> Result<(StatusCode, Value), Error> {
    let res = client
        .post(app.url("/api/v1/attachments"))
        .query(&[
            ("owner_kind", owner.0),
            ("owner_id", owner.1),
            ("file_name", name),
        ])
        .header("content-type", "application/octet-stream")
        .body(bytes)
        .send()
        .await?;
    let status = res.status();
    let text = res.text().await?;
    Ok((
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    ))
}

/// Choose `file` in the attachment form's file field.
async fn choose(browser: &fantoccini::Client, file: &std::path::Path) -> Result<(), Error> {
    browser
        .find(Locator::Id("attach-file"))
        .await?
        .send_keys(&file.display().to_string())
        .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn chromium_attaches_a_vehicle_photo_whose_thumbnail_the_worker_makes() -> TestResult {
    let app = App::start()?;
    let manager = login_in(&app, MANAGER, "Motos Catrachas").await?;
    let moto = vehicle(&app, &manager, "GEN-125").await?;
    let dir = app.data_dir();
    let photo_file = dir.join("moto-frente.jpg");
    std::fs::write(&photo_file, photo(1600, 1200))?;
    let fake = dir.join("factura.jpg");
    std::fs::write(&fake, PDF)?;
    // 100 MB of nothing, named as a photo (sparse: no disk is used).
    let huge = dir.join("video-recorrido.jpg");
    std::fs::File::create(&huge)?.set_len(100 * 1024 * 1024)?;

    let (_driver, _profile, browser) = chromium().await?;
    let result = async {
        log_in(&app, &browser, MANAGER).await?;
        browser.goto(&app.url(&format!("/products/{moto}"))).await?;
        assert_eq!(
            text_of(&browser, "#attachments p.muted").await?,
            "Todavía no hay archivos."
        );
        browser
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(".file-picker[data-live=true]"))
            .await?;

        // 100 MB: refused the moment it is chosen, nothing is sent.
        choose(&browser, &huge).await?;
        assert_eq!(
            text_of(&browser, "#file-problem").await?,
            "«video-recorrido.jpg» pesa 100.0 MB; el máximo es 20 MB. Elija un archivo más pequeño."
        );
        browser
            .execute(
                "document.getElementById('attachments').scrollIntoView()",
                vec![],
            )
            .await?;
        shot(&browser, "attach-too-large.png").await?;

        // A PDF named .jpg: sent, refused by the server, said on the page.
        choose(&browser, &fake).await?;
        follow(&browser, Locator::Id("attach-upload")).await?;
        assert_eq!(
            text_of(&browser, "#attach-refused").await?,
            "«factura.jpg» no es lo que dice su nombre: el nombre dice JPEG, \
             pero el contenido es un archivo PDF."
        );
        assert_eq!(
            text_of(&browser, "#attachments p.muted").await?,
            "Todavía no hay archivos."
        );

        // The photo: back on the product's page, its thumbnail shows.
        choose(&browser, &photo_file).await?;
        follow(&browser, Locator::Id("attach-upload")).await?;
        assert_eq!(
            text_of(&browser, "#attachments li.attachment .name").await?,
            "moto-frente.jpg"
        );
        assert!(browser.find(Locator::Id("attach-refused")).await.is_err());
        let mut width = Value::Null;
        for _ in 0..100 {
            width = browser
                .execute(
                    "const i = document.querySelector('#attachments li.attachment img');
                     return i && i.complete ? i.naturalWidth : null;",
                    vec![],
                )
                .await?;
            if width.as_u64().is_some_and(|w| w > 0) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // 1600×1200 becomes 320×240.
        assert_eq!(width, json!(320));
        shot(&browser, "attach-thumbnail.png").await?;
        Ok::<(), Error>(())
    }
    .await;
    browser.close().await?;
    result?;

    // The owner's company reads both; another company neither.
    let list: Value = manager
        .get(app.url("/api/v1/attachments"))
        .query(&[("owner_kind", "product"), ("owner_id", moto.as_str())])
        .send()
        .await?
        .json()
        .await?;
    let items = list.as_array().ok_or("a list")?;
    assert_eq!(items.len(), 1, "{list}");
    assert_eq!(items[0]["thumbnail"], "done");
    assert_eq!(
        (items[0]["width"].clone(), items[0]["height"].clone()),
        (json!(1600), json!(1200))
    );
    let id = items[0]["id"].as_str().ok_or("id")?;
    let thumb = manager
        .get(app.url(&format!("/api/v1/attachments/{id}/thumbnail")))
        .send()
        .await?;
    assert_eq!(thumb.status(), StatusCode::OK);
    assert_eq!(thumb.headers()["content-type"], "image/jpeg");
    let small = image::load_from_memory(&thumb.bytes().await?)?;
    assert_eq!((small.width(), small.height()), (320, 240));
    let web = manager
        .get(app.url(&format!("/attachments/{id}")))
        .send()
        .await?;
    assert_eq!(
        web.status(),
        StatusCode::OK,
        "the session reaches the web's file address"
    );
    assert_eq!(web.bytes().await?.len(), photo(1600, 1200).len());

    let other = login_in(&app, ADMIN, "Autos del Valle").await?;
    for path in [
        format!("/api/v1/attachments/{id}"),
        format!("/api/v1/attachments/{id}/content"),
        format!("/api/v1/attachments/{id}/thumbnail"),
        format!("/attachments/{id}"),
        format!("/attachments/{id}/thumbnail"),
    ] {
        let res = other.get(app.url(&path)).send().await?;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let res = other
        .get(app.url("/api/v1/attachments"))
        .query(&[("owner_kind", "product"), ("owner_id", moto.as_str())])
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_api_refuses_bad_files_with_problem_details_and_removes_files_from_the_store()
-> TestResult {
    let app = App::start()?;
    let manager = login_in(&app, MANAGER, "Motos Catrachas").await?;
    let moto = vehicle(&app, &manager, "GEN-150").await?;
    let owner = ("product", moto.as_str());

    // A PDF: no thumbnail; what comes back is what went in.
    let (status, pdf) = upload(&app, &manager, owner, "Póliza de seguro.pdf", PDF.to_vec()).await?;
    assert_eq!(status, StatusCode::CREATED, "{pdf}");
    assert_eq!(pdf["content_type"], "application/pdf");
    assert_eq!(pdf["thumbnail"], "none");
    let id = pdf["id"].as_str().ok_or("id")?.to_owned();
    let res = manager
        .get(app.url(&format!("/api/v1/attachments/{id}/content")))
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()["content-disposition"],
        "attachment; filename=\"P_liza de seguro.pdf\"; filename*=UTF-8''P%C3%B3liza%20de%20seguro.pdf"
    );
    assert_eq!(&res.bytes().await?[..], PDF);

    // Bad files: each a problem naming /file, nothing stored.
    let cases: [(&str, Vec<u8>, u16, &str); 5] = [
        ("foto.jpg", PDF.to_vec(), 422, "file_type_mismatch"),
        (
            "programa.exe",
            b"MZ\x90\x00".to_vec(),
            422,
            "file_type_not_accepted",
        ),
        ("vacia.png", vec![], 422, "file_empty"),
        (
            "rota.jpg",
            photo(40, 30)[..24].to_vec(),
            422,
            "image_unreadable",
        ),
        (
            "grande.pdf",
            [PDF, &vec![b' '; 21 * 1024 * 1024]].concat(),
            413,
            "file_too_large",
        ),
    ];
    for (name, bytes, status, code) in cases {
        let (got, problem) = upload(&app, &manager, owner, name, bytes).await?;
        assert_eq!(got.as_u16(), status, "{name}: {problem}");
        assert_eq!(problem["code"], code, "{name}: {problem}");
        assert_eq!(
            problem["errors"][0]["pointer"], "/file",
            "{name}: {problem}"
        );
    }
    // 100 MB never reaches the API: the edge refuses it by its length.
    let (got, problem) = upload(
        &app,
        &manager,
        owner,
        "video.pdf",
        vec![0; 100 * 1024 * 1024],
    )
    .await?;
    assert_eq!(got, StatusCode::PAYLOAD_TOO_LARGE, "{problem}");
    assert_eq!(problem["code"], "payload_too_large");
    // A body type a cross-site form could send is refused.
    let res = manager
        .post(app.url("/api/v1/attachments"))
        .query(&[
            ("owner_kind", "product"),
            ("owner_id", moto.as_str()),
            ("file_name", "a.pdf"),
        ])
        .header("content-type", "text/plain")
        .body(PDF)
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    // An owner of another company, or none: not found.
    let other = login_in(&app, ADMIN, "Autos del Valle").await?;
    let theirs = vehicle(&app, &other, "AUTO-1").await?;
    let (got, problem) =
        upload(&app, &manager, ("product", &theirs), "a.pdf", PDF.to_vec()).await?;
    assert_eq!(got, StatusCode::NOT_FOUND, "{problem}");
    let (got, _) = upload(&app, &manager, ("party", &moto), "a.pdf", PDF.to_vec()).await?;
    assert_eq!(got, StatusCode::NOT_FOUND);
    let list: Value = manager
        .get(app.url("/api/v1/attachments"))
        .query(&[("owner_kind", "product"), ("owner_id", moto.as_str())])
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");

    // The page's form without JavaScript: a file over the limit (the edge
    // lets 21 MB through) is counted, not kept, and the record's page says
    // why, naming the file.
    let page = manager
        .get(app.url(&format!("/products/{moto}")))
        .send()
        .await?
        .text()
        .await?;
    let csrf = crate::harness::csrf_of(&page).ok_or("no CSRF token on the page")?;
    let boundary = "----limite-de-prueba";
    let mut body = Vec::new();
    for (name, value) in [
        ("csrf", csrf.as_str()),
        ("owner_kind", "product"),
        ("owner_id", moto.as_str()),
    ] {
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .into_bytes(),
        );
    }
    body.extend(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"grande.jpg\"\r\n\
             Content-Type: image/jpeg\r\n\r\n"
        )
        .into_bytes(),
    );
    body.extend(photo(40, 30));
    body.resize(body.len() + 21 * 1024 * 1024, 0);
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    let res = manager
        .post(app.url("/attachments"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()["location"],
        format!("/products/{moto}#attachments")
    );
    let page = manager
        .get(app.url(&format!("/products/{moto}")))
        .send()
        .await?
        .text()
        .await?;
    assert!(
        page.contains("«grande.jpg» pesa 21.0 MB; el máximo es 20 MB."),
        "the refusal on the page: {}",
        page.split("id=\"attachments\"").nth(1).unwrap_or(&page)
    );

    // Removed: gone from the list, the API and the store.
    // attachments/<company>/<id> in the files directory.
    let company = std::fs::read_dir(app.data_dir().join("files/attachments"))?
        .next()
        .ok_or("no company folder")??
        .path();
    assert!(company.join(&id).exists());
    // The page's removal form without the session's CSRF token: refused.
    let res = manager
        .post(app.url(&format!("/attachments/{id}/delete")))
        .form(&[("csrf", "not-the-token")])
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(company.join(&id).exists());
    let res = manager
        .delete(app.url(&format!("/api/v1/attachments/{id}")))
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert!(!company.join(&id).exists());
    let res = manager
        .get(app.url(&format!("/api/v1/attachments/{id}/content")))
        .send()
        .await?;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    Ok(())
}

/// moto's S3 server on `port` (an emulator of the S3 API from PyPI: no real
/// S3-compatible store installs from the package registries here).
fn s3_server(port: u16) -> Result<crate::harness::KillOnDrop, Error> {
    let python = std::env::var("ERP_S3_PYTHON")
        .map_err(|_| "ERP_S3_PYTHON is not set: run the tests through scripts/test.sh")?;
    let child = std::process::Command::new(python)
        .args([
            "-m",
            "moto.server",
            "-H",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    let server = crate::harness::KillOnDrop(child);
    let up = (0..200).any(|_| {
        std::thread::sleep(Duration::from_millis(50));
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    if !up {
        return Err(format!("moto's S3 server did not listen on {port}").into());
    }
    Ok(server)
}

/// The keys in `bucket`, from S3's ListObjectsV2.
async fn bucket_keys(endpoint: &str, bucket: &str) -> Result<Vec<String>, Error> {
    let xml = reqwest::get(format!("{endpoint}/{bucket}?list-type=2"))
        .await?
        .text()
        .await?;
    Ok(xml
        .split("<Key>")
        .skip(1)
        .filter_map(|k| k.split("</Key>").next())
        .map(str::to_owned)
        .collect())
}

#[tokio::test(flavor = "multi_thread")]
async fn with_an_s3_bucket_as_the_file_store_attachments_thumbnails_and_exports_live_there()
-> TestResult {
    let port = crate::harness::free_port();
    let _s3 = s3_server(port)?;
    let endpoint = format!("http://127.0.0.1:{port}");
    let res = reqwest::Client::new()
        .put(format!("{endpoint}/erp-files"))
        .send()
        .await?;
    assert!(
        res.status().is_success(),
        "creating the bucket: {}",
        res.status()
    );
    let app = App::start_env(&[
        ("ERP_FILE_STORE", "s3://erp-files/sitio-1"),
        ("AWS_ENDPOINT", &endpoint),
        ("AWS_ALLOW_HTTP", "true"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "prueba"),
        ("AWS_SECRET_ACCESS_KEY", "prueba-secreto"),
    ])?;
    let manager = login_in(&app, MANAGER, "Motos Catrachas").await?;
    let moto = vehicle(&app, &manager, "GEN-200").await?;
    let bytes = photo(800, 600);
    let (status, a) = upload(
        &app,
        &manager,
        ("product", &moto),
        "lateral.jpg",
        bytes.clone(),
    )
    .await?;
    assert_eq!(status, StatusCode::CREATED, "{a}");
    let id = a["id"].as_str().ok_or("id")?.to_owned();
    let url = app.url(&format!("/api/v1/attachments/{id}"));
    let done = crate::harness::eventually(Duration::from_secs(20), || async {
        let a = crate::harness::json_of(&manager, &url).await?;
        (a["thumbnail"] == "done").then_some(a)
    })
    .await;
    assert!(done.is_some(), "no thumbnail; log:\n{}", app.log_text());
    let content = manager
        .get(app.url(&format!("/api/v1/attachments/{id}/content")))
        .send()
        .await?;
    assert_eq!(&content.bytes().await?[..], &bytes[..]);

    // An export goes to the same bucket.
    let admin = login_in(&app, ADMIN, "Motos Catrachas").await?;
    let export: Value = admin
        .post(app.url("/api/v1/exports/users-roles"))
        .send()
        .await?
        .json()
        .await?;
    let export_id = export["id"].as_str().ok_or("export id")?.to_owned();
    app.export_done(&admin, &export_id).await?;
    let csv = admin
        .get(app.url(&format!("/api/v1/exports/{export_id}/file")))
        .send()
        .await?
        .text()
        .await?;
    assert!(csv.contains("gerente@demo.hn"), "{csv}");

    let keys = bucket_keys(&endpoint, "erp-files").await?;
    let company = keys
        .iter()
        .find_map(|k| k.strip_prefix("sitio-1/attachments/")?.split('/').next())
        .ok_or_else(|| format!("no attachment in the bucket: {keys:?}"))?;
    for key in [
        format!("sitio-1/attachments/{company}/{id}"),
        format!("sitio-1/attachments/{company}/{id}.thumb.jpg"),
        format!("sitio-1/export-{export_id}.csv"),
    ] {
        assert!(keys.contains(&key), "{key} not in {keys:?}");
    }
    // Nothing went to the local files directory.
    assert!(!app.data_dir().join("files").join("attachments").exists());
    Ok(())
}
