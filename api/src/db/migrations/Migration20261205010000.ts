import { Migration } from '@mikro-orm/migrations';

/**
 * Announces every change that can alter who a bearer token belongs to, or
 * whether it still works, on the `sidestep_viewers` channel with the user's
 * id. API processes drop their cached viewers of that user when the change
 * commits, whether the API or someone in the database made it.
 */
export class Migration20261205010000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create function "notify_viewer_change"() returns trigger language plpgsql as $$
      begin
        if TG_TABLE_NAME = 'users' then
          perform pg_notify('sidestep_viewers', coalesce(NEW.id, OLD.id)::text);
        else
          perform pg_notify('sidestep_viewers', coalesce(NEW.user_id, OLD.user_id)::text);
        end if;
        return null;
      end;
      $$;`);
    this.addSql(`
      create trigger "users_notify_viewer_change" after update of "role" or delete on "users"
        for each row execute function "notify_viewer_change"();`);
    this.addSql(`
      create trigger "sessions_notify_viewer_change" after update or delete on "sessions"
        for each row execute function "notify_viewer_change"();`);
    this.addSql(`
      create trigger "api_tokens_notify_viewer_change" after update of "revoked_at", "expires_at", "scopes" or delete on "api_tokens"
        for each row execute function "notify_viewer_change"();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists "api_tokens_notify_viewer_change" on "api_tokens";`);
    this.addSql(`drop trigger if exists "sessions_notify_viewer_change" on "sessions";`);
    this.addSql(`drop trigger if exists "users_notify_viewer_change" on "users";`);
    this.addSql(`drop function if exists "notify_viewer_change"();`);
  }
}
