/*
 * The widget's own texts in the languages the bot speaks (retrieval/languages.py). The bot's
 * replies come from the server's catalogue (bot/i18n/locales/); these are the buttons, labels and
 * notices of the interface. Written by hand, formal and plain, like the catalogue.
 */
var WIDGET_LANGUAGES = ["de", "en", "tr", "uk", "ar", "pl", "ru", "ro"];
var EASY_GERMAN = "de-x-ls";
var RIGHT_TO_LEFT = ["ar"];
// Each language's name in itself, for the language menu.
var LANGUAGE_NAMES = { de: "Deutsch", en: "English", tr: "Türkçe", uk: "Українська", ar: "العربية", pl: "Polski",
  ru: "Русский", ro: "Română" };
var WIDGET_TEXTS = {
  de: {
    title: "Digitaler Assistent", greeting: "Hallo! Ich beantworte Fragen zu den Leistungen der Stadt. Was möchten Sie wissen?",
    open: "Chat öffnen", close: "Chat schließen", send: "Senden", input: "Ihre Nachricht",
    placeholder: "Frage eingeben …", typing: "Der Assistent schreibt …", clear: "Chat löschen",
    clearConfirm: "Gesprächsverlauf wirklich löschen?", cleared: "Der Chat wurde gelöscht.",
    disclosure: "Automatischer Assistent der Stadtverwaltung – keine Rechtsberatung. ",
    privacy: "Datenschutz", helpful: "Hilfreich", unhelpful: "Nicht hilfreich", thanks: "Danke für Ihre Rückmeldung!",
    staffJoined: "Eine Mitarbeiterin oder ein Mitarbeiter ist dem Chat beigetreten.",
    offline: "Keine Verbindung. Wir versuchen es weiter …", retry: "Erneut versuchen",
    error: "Die Nachricht konnte nicht gesendet werden.", source: "Quelle", updated: "Stand",
    booking: "Termin buchen", online: "Online erledigen", seeAlso: "Passt vielleicht auch", you: "Sie", bot: "Assistent",
    staff: "Bürgerservice", system: "Hinweis", log: "Gesprächsverlauf", choices: "Antwortmöglichkeiten",
    wasHelpful: "War die Antwort hilfreich?", language: "Sprache", easy: "Leichte Sprache"
  },
  "de-x-ls": {
    title: "Digitaler Assistent", greeting: "Hallo! Ich bin ein Computer-Programm. Ich beantworte Fragen zur Stadt. Was ist Ihre Frage?",
    open: "Chat öffnen", close: "Chat schließen", send: "Senden", input: "Ihre Nachricht",
    placeholder: "Frage schreiben …", typing: "Das Programm schreibt …", clear: "Chat löschen",
    clearConfirm: "Wollen Sie alles löschen?", cleared: "Der Chat ist gelöscht.",
    disclosure: "Das ist ein Computer-Programm von der Stadt. Es gibt keine Rechts-Beratung. ",
    privacy: "Daten-Schutz", helpful: "Gut", unhelpful: "Nicht gut", thanks: "Danke für Ihre Meinung!",
    staffJoined: "Ein Mitarbeiter von der Stadt ist jetzt im Chat.",
    offline: "Keine Verbindung. Wir versuchen es weiter.", retry: "Noch einmal versuchen",
    error: "Die Nachricht ist nicht angekommen.", source: "Quelle", updated: "Stand",
    booking: "Termin machen", online: "Im Internet erledigen", seeAlso: "Das passt vielleicht auch", you: "Sie",
    bot: "Programm", staff: "Mitarbeiter", system: "Hinweis", log: "Chat", choices: "Antworten zum Aussuchen",
    wasHelpful: "War die Antwort gut?", language: "Sprache", easy: "Leichte Sprache"
  },
  en: {
    title: "Digital assistant", greeting: "Hello! I answer questions about the city's services. What would you like to know?",
    open: "Open chat", close: "Close chat", send: "Send", input: "Your message",
    placeholder: "Type your question …", typing: "The assistant is typing …", clear: "Delete chat",
    clearConfirm: "Do you really want to delete the conversation?", cleared: "The chat has been deleted.",
    disclosure: "Automated assistant of the city administration – no legal advice. ",
    privacy: "Privacy", helpful: "Helpful", unhelpful: "Not helpful", thanks: "Thank you for your feedback!",
    staffJoined: "A member of staff has joined the chat.",
    offline: "No connection. We keep trying …", retry: "Try again",
    error: "The message could not be sent.", source: "Source", updated: "as of",
    booking: "Book an appointment", online: "Do it online", seeAlso: "This may also fit", you: "You", bot: "Assistant",
    staff: "Citizens' service", system: "Notice", log: "Conversation", choices: "Options",
    wasHelpful: "Was this answer helpful?", language: "Language", easy: "Leichte Sprache (easy German)"
  },
  tr: {
    title: "Dijital asistan", greeting: "Merhaba! Belediyenin hizmetleriyle ilgili soruları cevaplıyorum. Ne öğrenmek istersiniz?",
    open: "Sohbeti aç", close: "Sohbeti kapat", send: "Gönder", input: "Mesajınız",
    placeholder: "Sorunuzu yazın …", typing: "Asistan yazıyor …", clear: "Sohbeti sil",
    clearConfirm: "Sohbet geçmişi gerçekten silinsin mi?", cleared: "Sohbet silindi.",
    disclosure: "Belediyenin otomatik asistanı – hukuki danışmanlık değildir. ",
    privacy: "Veri koruma", helpful: "Yardımcı oldu", unhelpful: "Yardımcı olmadı", thanks: "Geri bildiriminiz için teşekkürler!",
    staffJoined: "Bir çalışanımız sohbete katıldı.",
    offline: "Bağlantı yok. Tekrar deniyoruz …", retry: "Tekrar dene",
    error: "Mesaj gönderilemedi.", source: "Kaynak", updated: "Tarih",
    booking: "Randevu al", online: "Online yapın", seeAlso: "Bu da uygun olabilir", you: "Siz", bot: "Asistan",
    staff: "Vatandaş hizmetleri", system: "Bilgi", log: "Sohbet geçmişi", choices: "Seçenekler",
    wasHelpful: "Cevap yardımcı oldu mu?", language: "Dil", easy: "Leichte Sprache (kolay Almanca)"
  },
  uk: {
    title: "Цифровий помічник", greeting: "Вітаю! Я відповідаю на питання про послуги міста. Що Ви хочете дізнатися?",
    open: "Відкрити чат", close: "Закрити чат", send: "Надіслати", input: "Ваше повідомлення",
    placeholder: "Введіть питання …", typing: "Помічник пише …", clear: "Видалити чат",
    clearConfirm: "Справді видалити історію розмови?", cleared: "Чат видалено.",
    disclosure: "Автоматичний помічник міської адміністрації – не юридична консультація. ",
    privacy: "Захист даних", helpful: "Корисно", unhelpful: "Не корисно", thanks: "Дякуємо за відгук!",
    staffJoined: "До чату приєдналася працівниця або працівник.",
    offline: "Немає з'єднання. Пробуємо далі …", retry: "Спробувати ще раз",
    error: "Не вдалося надіслати повідомлення.", source: "Джерело", updated: "Станом на",
    booking: "Записатися на прийом", online: "Оформити онлайн", seeAlso: "Можливо, також підходить", you: "Ви",
    bot: "Помічник", staff: "Служба для громадян", system: "Примітка", log: "Історія розмови", choices: "Варіанти відповіді",
    wasHelpful: "Чи була відповідь корисною?", language: "Мова", easy: "Leichte Sprache (проста німецька)"
  },
  ar: {
    title: "المساعد الرقمي", greeting: "مرحبا! أجيب عن الأسئلة المتعلقة بخدمات المدينة. ماذا تريد أن تعرف؟",
    open: "فتح المحادثة", close: "إغلاق المحادثة", send: "إرسال", input: "رسالتك",
    placeholder: "اكتب سؤالك …", typing: "المساعد يكتب …", clear: "حذف المحادثة",
    clearConfirm: "هل تريد حقا حذف سجل المحادثة؟", cleared: "تم حذف المحادثة.",
    disclosure: "مساعد آلي لإدارة المدينة – ليس استشارة قانونية. ",
    privacy: "حماية البيانات", helpful: "مفيد", unhelpful: "غير مفيد", thanks: "شكرا على ملاحظاتك!",
    staffJoined: "انضمت موظفة أو موظف إلى المحادثة.",
    offline: "لا يوجد اتصال. نواصل المحاولة …", retry: "إعادة المحاولة",
    error: "تعذر إرسال الرسالة.", source: "المصدر", updated: "بتاريخ",
    booking: "حجز موعد", online: "إنجاز المعاملة عبر الإنترنت", seeAlso: "قد يناسبك أيضا", you: "أنت", bot: "المساعد",
    staff: "خدمة المواطنين", system: "ملاحظة", log: "سجل المحادثة", choices: "خيارات الإجابة",
    wasHelpful: "هل كانت الإجابة مفيدة؟", language: "اللغة", easy: "Leichte Sprache (ألمانية مبسطة)"
  },
  pl: {
    title: "Asystent cyfrowy", greeting: "Dzień dobry! Odpowiadam na pytania o usługi miasta. Czego chce się Pan/Pani dowiedzieć?",
    open: "Otwórz czat", close: "Zamknij czat", send: "Wyślij", input: "Twoja wiadomość",
    placeholder: "Wpisz pytanie …", typing: "Asystent pisze …", clear: "Usuń czat",
    clearConfirm: "Czy na pewno usunąć historię rozmowy?", cleared: "Czat został usunięty.",
    disclosure: "Automatyczny asystent urzędu miasta – nie jest to porada prawna. ",
    privacy: "Ochrona danych", helpful: "Pomocne", unhelpful: "Niepomocne", thanks: "Dziękujemy za opinię!",
    staffJoined: "Do czatu dołączył pracownik urzędu.",
    offline: "Brak połączenia. Próbujemy dalej …", retry: "Spróbuj ponownie",
    error: "Nie udało się wysłać wiadomości.", source: "Źródło", updated: "Stan na",
    booking: "Umów wizytę", online: "Załatw online", seeAlso: "Może też pasować", you: "Ty", bot: "Asystent",
    staff: "Biuro obsługi", system: "Uwaga", log: "Historia rozmowy", choices: "Możliwe odpowiedzi",
    wasHelpful: "Czy odpowiedź była pomocna?", language: "Język", easy: "Leichte Sprache (prosty niemiecki)"
  },
  ru: {
    title: "Цифровой помощник", greeting: "Здравствуйте! Я отвечаю на вопросы об услугах города. Что Вы хотите узнать?",
    open: "Открыть чат", close: "Закрыть чат", send: "Отправить", input: "Ваше сообщение",
    placeholder: "Введите вопрос …", typing: "Помощник печатает …", clear: "Удалить чат",
    clearConfirm: "Действительно удалить историю разговора?", cleared: "Чат удалён.",
    disclosure: "Автоматический помощник городской администрации – не юридическая консультация. ",
    privacy: "Защита данных", helpful: "Полезно", unhelpful: "Не полезно", thanks: "Спасибо за отзыв!",
    staffJoined: "К чату присоединился сотрудник.",
    offline: "Нет соединения. Пробуем снова …", retry: "Попробовать ещё раз",
    error: "Не удалось отправить сообщение.", source: "Источник", updated: "По состоянию на",
    booking: "Записаться на приём", online: "Оформить онлайн", seeAlso: "Возможно, также подходит", you: "Вы",
    bot: "Помощник", staff: "Служба для граждан", system: "Примечание", log: "История разговора", choices: "Варианты ответа",
    wasHelpful: "Был ли ответ полезен?", language: "Язык", easy: "Leichte Sprache (простой немецкий)"
  },
  ro: {
    title: "Asistent digital", greeting: "Bună ziua! Răspund la întrebări despre serviciile orașului. Ce doriți să aflați?",
    open: "Deschide chatul", close: "Închide chatul", send: "Trimite", input: "Mesajul dumneavoastră",
    placeholder: "Scrieți întrebarea …", typing: "Asistentul scrie …", clear: "Șterge chatul",
    clearConfirm: "Sigur doriți să ștergeți conversația?", cleared: "Chatul a fost șters.",
    disclosure: "Asistent automat al primăriei – nu oferă consultanță juridică. ",
    privacy: "Protecția datelor", helpful: "Util", unhelpful: "Nu a fost util", thanks: "Vă mulțumim pentru părere!",
    staffJoined: "Un angajat s-a alăturat conversației.",
    offline: "Nu există conexiune. Încercăm în continuare …", retry: "Încercați din nou",
    error: "Mesajul nu a putut fi trimis.", source: "Sursa", updated: "Actualizat la",
    booking: "Faceți o programare", online: "Rezolvați online", seeAlso: "S-ar putea potrivi și", you: "Dumneavoastră",
    bot: "Asistent", staff: "Serviciul pentru cetățeni", system: "Notă", log: "Istoricul conversației",
    choices: "Variante de răspuns", wasHelpful: "V-a fost util răspunsul?", language: "Limba",
    easy: "Leichte Sprache (germană simplă)"
  }
};

/** The widget's language: data-lang, else the browser's first language the bot speaks, else German. */
function widgetLanguage(dataLang, browserLanguages) {
  var wanted = [dataLang].concat(browserLanguages || []);
  for (var i = 0; i < wanted.length; i++) {
    var code = (wanted[i] || "").toLowerCase();
    if (code === EASY_GERMAN) { return code; }
    var base = code.split("-")[0];
    if (WIDGET_LANGUAGES.indexOf(base) >= 0) { return base; }
  }
  return "de";
}
