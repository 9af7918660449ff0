//! Mails in the language their reader chose: saved when she signs in, used for what is sent to
//! her outside her own requests.

use crate::moderation::{approve_member, mails, member_with_profile};
use crate::{TestApp, TEST_PASSWORD};
use catalyse_core::Role;
use catalyse_store::{both_databases, Store};
use std::sync::Arc;

both_databases!(
    a_member_reads_her_mails_in_her_language,
    mails_in_her_language
);
async fn mails_in_her_language(store: Arc<dyn Store>) {
    let app = TestApp::start(store).await;
    let member = member_with_profile(&app, "jo@exemple.fr", "Jo Smith", false).await;
    assert_eq!(member.lang, "fr", "French until she chooses");

    // She chooses English, then signs in: the choice is saved with her account.
    app.get("/langue/en?retour=/").await;
    let signed_in = app.login("jo@exemple.fr", TEST_PASSWORD).await;
    assert_eq!(signed_in.status.as_u16(), 303);
    let saved = app.store.user_by_id(member.id).await.unwrap().unwrap();
    assert_eq!(saved.lang, "en");

    // A French-speaking animator approves her profile: the mail to her is in English.
    app.forget_cookies();
    app.sign_in_as("anim@exemple.fr", Role::Moderator).await;
    let q = app.get("/admin/moderation").await;
    assert!(q.body.contains("Jo Smith"), "{} {}", q.status, q.body);
    let approved = approve_member(&app, member.id, &q.field("revision")).await;
    assert_eq!(approved.status.as_u16(), 303, "{}", approved.body);
    let (_, subject, body) = mails(&app)
        .into_iter()
        .rev()
        .find(|(to, _, _)| to.contains("jo@exemple.fr"))
        .expect("a mail to the member");
    let english = catalyse_web::i18n::Tr::new(catalyse_web::i18n::Lang::En);
    assert_eq!(subject, english.s("moderation.mail_profile_ok_subject"));
    assert!(
        body.contains(&member.display_name) && body.contains("Your profile"),
        "{body}"
    );
    let french = catalyse_web::i18n::Tr::new(catalyse_web::i18n::Lang::Fr);
    assert_ne!(subject, french.s("moderation.mail_profile_ok_subject"));
    app.stop().await;
}
