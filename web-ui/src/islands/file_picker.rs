//! The file field of an upload form. Without JavaScript it is a plain file
//! input (the server checks everything). Once live, a file larger than the
//! appliance accepts is refused as soon as it is chosen, with its name and
//! size: nothing is sent, so nobody waits for 100 MB to travel only to be
//! told no.

use leptos::prelude::*;

/// `too_large` is the message with `{name}` and `{mb}` in it.
#[island]
pub fn FilePicker(
    id: String,
    name: String,
    accept: String,
    max_bytes: u64,
    too_large: String,
) -> impl IntoView {
    let problem = RwSignal::new(None::<String>);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let check = move |ev: leptos::ev::Event| {
        use wasm_bindgen::JsCast;
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            problem.set(None);
            return;
        };
        if file.size() > max_bytes as f64 {
            let mb = format!("{:.1}", file.size() / 1_048_576.0);
            problem.set(Some(
                too_large
                    .replace("{name}", &file.name())
                    .replace("{mb}", &mb),
            ));
            // Emptied, the required field keeps the form from being sent.
            input.set_value("");
        } else {
            problem.set(None);
        }
    };
    view! {
        <span class="file-picker" data-live=move || hydrated.get().to_string()>
            <input type="file" id=id name=name accept=accept required
                aria-invalid=move || problem.get().map(|_| "true")
                on:change=check/>
            {move || problem.get().map(|p| view! { <p class="field-error" role="alert" id="file-problem">{p}</p> })}
        </span>
    }
}
