-- A request's description rendered to HTML when it is written, so that lists (the review queue
-- sends 50 per page) do not render Markdown on every read. Rows written before stay null and are
-- rendered when read.
alter table requests add column description_html text;
