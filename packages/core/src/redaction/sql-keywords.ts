/**
 * Words a statement shape keeps as they are: SQL keywords and the built-in functions that say what a
 * statement does. Every other word is a name (a table, a column, an alias, a user variable) and is
 * masked: names can come from user input (a tenant-named table, an alias built from a request) and
 * messages, events and logs must never carry them.
 */
export const SQL_KEYWORDS: ReadonlySet<string> = new Set(
  (
    'select insert into values value update set delete from where and or not null is in as on using join inner ' +
    'left right outer cross natural straight_join union all distinct distinctrow order by group having limit offset ' +
    'asc desc case when then else end between like regexp rlike escape exists any some for share lock mode nowait ' +
    'skip locked with recursive replace ignore low_priority high_priority delayed duplicate key default ' +
    'begin start transaction commit rollback savepoint release work chain isolation level read write only ' +
    'committed uncommitted repeatable serializable show explain describe desc analyze call do handler ' +
    'create alter drop truncate rename table index view database schema if temporary column add modify change ' +
    'primary unique foreign references constraint check engine charset collate character unsigned signed ' +
    'int integer bigint smallint tinyint decimal float double char varchar text blob json date datetime timestamp ' +
    'time year binary varbinary boolean true false interval div mod xor sql_no_cache sql_calc_found_rows ' +
    'count sum min max avg now sleep concat coalesce ifnull nullif cast convert if get_lock release_lock ' +
    'last_insert_id connection_id found_rows row_count version database user current_timestamp ' +
    'kill query connection flush grant revoke to identified over partition window rows range preceding ' +
    'following unbounded current row returning outfile dumpfile nextval lastval setval next previous sequence'
  ).split(' '),
);
